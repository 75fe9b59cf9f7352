import * as TE from 'fp-ts/TaskEither';
import { createLogger } from '../logging/pino.logger';
import { createLifecycle, signalExitCode } from './shutdown.lifecycle';

const logger = createLogger({ name: 'lifecycle-test', level: 'silent' });

describe('Lifecycle', () => {
  it('runs steps once, in reverse order, and resolves done with a report', async () => {
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger, forceExit: () => undefined });
    lifecycle.onStop('store', async () => void order.push('store'));
    lifecycle.onStop('bus', () => void order.push('bus'));
    lifecycle.onStop('http', async () => void order.push('http'));
    expect(lifecycle.isShuttingDown()).toBe(false);

    lifecycle.handleSignal('SIGTERM');
    expect(lifecycle.isShuttingDown()).toBe(true);
    const report = await lifecycle.done;
    expect(order).toEqual(['http', 'bus', 'store']);
    expect(report).toMatchObject({
      reason: 'SIGTERM',
      clean: true,
      steps: [
        { name: 'http', outcome: 'stopped' },
        { name: 'bus', outcome: 'stopped' },
        { name: 'store', outcome: 'stopped' },
      ],
    });
    expect(await lifecycle.shutdown('again')).toBe(report);
    expect(order).toHaveLength(3);
  });

  it('times out a stuck step, records failures (thrown or Left) and carries on', async () => {
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger, stepTimeoutMs: 30 });
    lifecycle.onStop('store', async () => void order.push('store'));
    lifecycle.onStop('left', TE.left({ _tag: 'InfrastructureError', message: 'flush failed' }));
    lifecycle.onStop('throws', () => {
      throw new Error('socket already closed');
    });
    lifecycle.onStop('stuck', () => new Promise(() => undefined));
    lifecycle.onStop('slow-but-allowed', () => new Promise((r) => setTimeout(r, 60)), { timeoutMs: 500 });
    const report = await lifecycle.shutdown('test');
    expect(report.clean).toBe(false);
    expect(report.steps.map((s) => [s.name, s.outcome, s.error])).toEqual([
      ['slow-but-allowed', 'stopped', undefined],
      ['stuck', 'timed out', 'did not finish within 30 ms'],
      ['throws', 'failed', 'socket already closed'],
      ['left', 'failed', 'flush failed'],
      ['store', 'stopped', undefined],
    ]);
    expect(order).toEqual(['store']);
  });

  it('forces exit on the second signal with the conventional code', async () => {
    const exits: number[] = [];
    const lifecycle = createLifecycle({ logger, forceExit: (code) => void exits.push(code) });
    let release: () => void = () => undefined;
    lifecycle.onStop('drain', () => new Promise<void>((r) => (release = r)));
    lifecycle.handleSignal('SIGTERM');
    lifecycle.handleSignal('SIGTERM');
    expect(exits).toEqual([143]);
    await new Promise((r) => setImmediate(r)); // the step starts on a later tick
    release();
    await lifecycle.done;
    expect(signalExitCode('SIGINT')).toBe(130);
  });

  it('installs and removes process signal handlers', () => {
    const lifecycle = createLifecycle({ logger });
    const before = process.listenerCount('SIGTERM');
    const uninstall = lifecycle.listen(['SIGTERM']);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('accepts TaskEither steps that succeed', async () => {
    const lifecycle = createLifecycle({ logger });
    lifecycle.onStop('te', TE.right(undefined));
    expect((await lifecycle.shutdown('x')).clean).toBe(true);
  });
});
