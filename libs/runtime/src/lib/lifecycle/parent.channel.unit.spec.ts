import { EventEmitter } from 'node:events';
import { createLogger } from '../logging/pino.logger';
import { PARENT_GONE, stopWhenParentGone } from './parent.channel';
import { createLifecycle } from './shutdown.lifecycle';

const logger = createLogger({ name: 'parent-channel-test', level: 'silent' });

/** A stand-in for `process`: an emitter with (or without) an IPC channel. */
const fakeProcess = (opts: {
  channel: boolean;
  connected?: boolean;
  messageListener?: boolean;
  supervised?: boolean;
}) => {
  const emitter = new EventEmitter();
  const unrefs: string[] = [];
  if (opts.messageListener) emitter.on('message', () => undefined);
  return Object.assign(emitter, {
    env: { KEEL_SUPERVISED: opts.supervised === false ? undefined : '1' },
    channel: opts.channel ? { unref: () => void unrefs.push('unref') } : undefined,
    connected: opts.connected ?? opts.channel,
    unrefs,
  });
};

describe('stopWhenParentGone', () => {
  it("starts one shutdown when the supervisor's channel closes, and unrefs the channel", () => {
    const reasons: string[] = [];
    const proc = fakeProcess({ channel: true });
    stopWhenParentGone((r) => reasons.push(r), logger, proc);
    expect(proc.unrefs).toEqual(['unref']);
    expect(reasons).toEqual([]);
    proc.emit('disconnect');
    proc.emit('disconnect');
    expect(reasons).toEqual([PARENT_GONE]);
  });

  it('leaves a channel alone when no supervisor said it is its (KEEL_SUPERVISED unset: a test runner)', () => {
    const reasons: string[] = [];
    const proc = fakeProcess({ channel: true, supervised: false });
    stopWhenParentGone((r) => reasons.push(r), logger, proc);
    expect(proc.listenerCount('disconnect')).toBe(0);
    expect(proc.unrefs).toEqual([]);
  });

  it('does nothing for a process started by hand (no channel)', () => {
    const reasons: string[] = [];
    const proc = fakeProcess({ channel: false });
    stopWhenParentGone((r) => reasons.push(r), logger, proc);
    proc.emit('disconnect');
    expect(reasons).toEqual([]);
    expect(proc.listenerCount('disconnect')).toBe(0);
  });

  it('stops at once when the channel closed before it listened', () => {
    const reasons: string[] = [];
    stopWhenParentGone((r) => reasons.push(r), logger, fakeProcess({ channel: true, connected: false }));
    expect(reasons).toEqual([PARENT_GONE]);
  });

  it("leaves a channel someone else receives messages on ref'd (a test runner's worker)", () => {
    const proc = fakeProcess({ channel: true, messageListener: true });
    stopWhenParentGone(() => undefined, logger, proc);
    expect(proc.unrefs).toEqual([]);
  });

  it('the uninstaller stops watching', () => {
    const reasons: string[] = [];
    const proc = fakeProcess({ channel: true });
    stopWhenParentGone((r) => reasons.push(r), logger, proc)();
    proc.emit('disconnect');
    expect(reasons).toEqual([]);
  });
});

describe('Lifecycle.listen with a supervisor channel', () => {
  it('a closed channel is a first signal: steps run, no forced exit, and a later signal forces', async () => {
    const exits: number[] = [];
    const proc = fakeProcess({ channel: true });
    const lifecycle = createLifecycle({ logger, forceExit: (c) => void exits.push(c), parent: proc });
    const order: string[] = [];
    lifecycle.onStop('store', () => void order.push('store'));
    const unlisten = lifecycle.listen([]);
    proc.emit('disconnect');
    const report = await lifecycle.done;
    expect(report).toMatchObject({ reason: PARENT_GONE, clean: true });
    expect(order).toEqual(['store']);
    expect(exits).toEqual([]);
    lifecycle.handleSignal('SIGINT');
    expect(exits).toEqual([130]);
    unlisten();
    expect(proc.listenerCount('disconnect')).toBe(0);
  });
});
