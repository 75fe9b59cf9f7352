/**
 * `keel status`: what the operator needs to see before pressing a button. Every app's readiness
 * (GET /readyz on its health port) and lag (the consumer gauges on its /metrics: the position
 * its state includes, the store's head, and the events of its own types it has yet to fold),
 * each account's equity, risk state, kill switch and trading session, and the working parent
 * orders, folded from the store (status.fold.ts).
 *
 *   status [--store <uri>] [--port-offset <n>] [--apps name=url,…] [--timeout-ms <n>] [--json]
 *
 * The store is only read (no event is appended; a SQLite file that does not exist is an error,
 * not an empty system) and no app is called except its health and metrics endpoints: status is
 * what the log and the probes say, never a request to an app. `collectStatus` is the same report
 * as a function, for callers in-process (`keel demo`).
 */
import * as E from 'fp-ts/Either';
import { CONSUMER_METRICS } from '@keel/runtime';
import { intFlag, joinNegativeValues, parseFlags, UsageError } from '../cli.io';
import type { Command, OptionSpecs } from './command';
import { APPS } from './start.command';
import { Env, openOperatorStore, readAllOf } from './operator.store';
import {
  evolveStatus,
  initialStatusFold,
  STATUS_EVENT_TYPES,
  StatusAccount,
  StatusParentOrder,
  StatusScope,
  statusView,
} from './status.fold';

/** One app as the probes see it. */
export interface AppStatus {
  readonly name: string;
  /** The health server's base URL. */
  readonly url: string;
  /** It answered /readyz at all. */
  readonly reachable: boolean;
  /** /readyz said 200 (null: unreachable). */
  readonly ready: boolean | null;
  /** Each readiness check's status as /readyz reports it (null: unreachable or not JSON). */
  readonly checks: Readonly<Record<string, unknown>> | null;
  /**
   * Its consumer, from /metrics: position, the store head it sees, and the lag in events of its
   * own types. Null: the app is no folding app (no such gauges) or unreachable.
   */
  readonly consumer: {
    readonly position: number | null;
    readonly head: number | null;
    readonly lag: number | null;
  } | null;
  /** Why it could not be probed, or null. */
  readonly error: string | null;
}

export interface StatusReport {
  readonly at: string;
  readonly store: { readonly uri: string; readonly head: number };
  readonly apps: readonly AppStatus[];
  readonly global: StatusScope;
  readonly accounts: readonly StatusAccount[];
  readonly workingParentOrders: readonly StatusParentOrder[];
}

export interface StatusOptions {
  /** The store URI; default KEEL_STORE_URI, else the apps' default. */
  readonly store?: string;
  readonly env?: Env;
  /** Added to every default health port (as `keel start --port-offset`). */
  readonly portOffset?: number;
  /** The apps to probe, overriding the default list (`keel start`'s ports); e.g. `keel demo`'s. */
  readonly apps?: readonly { readonly name: string; readonly url: string }[];
  /** Per request; default 2000 ms. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Bad options (a usage error) or a store that failed while read. */
export type StatusError =
  | { readonly _tag: 'UsageError'; readonly message: string }
  | { readonly _tag: 'StoreError'; readonly message: string };

/** The default apps and health URLs, `keel start`'s, moved by `portOffset`. */
export const defaultStatusApps = (portOffset = 0): readonly { name: string; url: string }[] =>
  APPS.map((a) => ({ name: a.name, url: `http://127.0.0.1:${a.port + portOffset}` }));

/** `name=url,…` (a bare `host:port` gets `http://`); errors name the flag and the entry. */
export const parseAppsFlag = (value: string): readonly { name: string; url: string }[] =>
  value.split(',').map((entry) => {
    const m = /^([A-Za-z0-9._-]+)=(\S+)$/.exec(entry.trim());
    if (!m)
      throw new UsageError(
        `--apps wants name=url entries separated by commas (got ${JSON.stringify(entry)})`,
      );
    const [, name = '', raw = ''] = m;
    const url = /^https?:\/\//.test(raw) ? raw : `http://${raw}`;
    try {
      new URL(url);
    } catch {
      throw new UsageError(`--apps ${name} has no valid URL (got ${JSON.stringify(raw)})`);
    }
    return { name, url: url.replace(/\/+$/, '') };
  });

const get = async (url: string, timeoutMs: number): Promise<{ status: number; body: string }> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
};

/** A gauge's value from Prometheus text (the series without extra labels but `app`); NaN → null. */
export const gaugeValue = (text: string, name: string): number | null => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
};

const errorText = (e: unknown): string => {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
};

/** Probe one app: /readyz, then /metrics for its consumer gauges. */
export const probeApp = async (app: { name: string; url: string }, timeoutMs: number): Promise<AppStatus> => {
  const down = (error: string): AppStatus => ({
    ...app,
    reachable: false,
    ready: null,
    checks: null,
    consumer: null,
    error,
  });
  let ready;
  try {
    ready = await get(`${app.url}/readyz`, timeoutMs);
  } catch (e) {
    return down(`GET ${app.url}/readyz: ${errorText(e)}`);
  }
  let checks: Record<string, unknown> | null = null;
  try {
    const body = JSON.parse(ready.body) as { checks?: Record<string, unknown> };
    checks = body.checks ?? null;
  } catch {
    checks = null;
  }
  let consumer: AppStatus['consumer'] = null;
  let error: string | null = null;
  try {
    const metrics = await get(`${app.url}/metrics`, timeoutMs);
    const lag = gaugeValue(metrics.body, CONSUMER_METRICS.lag);
    const position = gaugeValue(metrics.body, CONSUMER_METRICS.position);
    const head = gaugeValue(metrics.body, CONSUMER_METRICS.head);
    if (lag !== null || position !== null || head !== null) consumer = { position, head, lag };
  } catch (e) {
    error = `GET ${app.url}/metrics: ${errorText(e)}`;
  }
  return { ...app, reachable: true, ready: ready.status === 200, checks, consumer, error };
};

/**
 * The whole report: the apps probed in parallel, the store read and folded. Left: bad options
 * (UsageError) or a store that failed while read (StoreError).
 */
export const collectStatus = async (
  opts: StatusOptions = {},
): Promise<E.Either<StatusError, StatusReport>> => {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const apps = opts.apps ?? defaultStatusApps(opts.portOffset ?? 0);
  let opened;
  try {
    opened = await openOperatorStore(opts.store, opts.env ?? process.env, 'read');
  } catch (e) {
    if (e instanceof UsageError) return E.left({ _tag: 'UsageError', message: e.message });
    throw e;
  }
  const probes = Promise.all(apps.map((a) => probeApp(a, timeoutMs)));
  try {
    const head = await opened.store.headPosition()();
    if (E.isLeft(head)) return E.left({ _tag: 'StoreError', message: head.left.message });
    const events = await readAllOf(opened.store, STATUS_EVENT_TYPES);
    if (E.isLeft(events)) return E.left({ _tag: 'StoreError', message: events.left });
    const view = statusView(events.right.reduce(evolveStatus, initialStatusFold));
    return E.right({
      at: new Date((opts.now ?? Date.now)()).toISOString(),
      store: { uri: opened.uri, head: head.right },
      apps: await probes,
      ...view,
    });
  } finally {
    await probes.catch(() => undefined);
    await opened.store.close();
  }
};

const FLAGS = {
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'the event store (read only)',
    defaultText: 'KEEL_STORE_URI',
  },
  'port-offset': {
    type: 'string',
    valueName: 'n',
    description: "moves keel start's default health ports",
    defaultText: '0',
  },
  apps: {
    type: 'string',
    valueName: 'name=url,…',
    description: 'the apps to ask, overriding the default ports',
  },
  'timeout-ms': {
    type: 'string',
    valueName: 'ms',
    description: 'how long each app may take to answer',
    defaultText: '2000',
  },
} as const satisfies OptionSpecs;

const help = [
  "Every app's readiness (/readyz) and lag (its /metrics consumer gauges), each account's equity, risk",
  'state, kill switch and trading session, and the working parent orders, folded from the store (read only).',
  "--apps overrides `keel start`'s health ports (e.g. relay=127.0.0.1:9087,execution=http://127.0.0.1:9083);",
  '--port-offset moves the default ones. See docs/operating.md.',
].join('\n');

const flag = (c: { on: boolean; operator: string | null; reason: string } | null, on: string, off: string) =>
  c === null ? off : `${c.on ? on : off} (${c.operator ?? 'operator unknown'}: ${JSON.stringify(c.reason)})`;

const human = (r: StatusReport): string => {
  const lines = [`status at ${r.at}, store ${r.store.uri} (head ${r.store.head})`, '', 'apps:'];
  for (const a of r.apps) {
    const ready = a.ready === null ? 'UNREACHABLE' : a.ready ? 'ready' : 'NOT READY';
    const lag = a.consumer
      ? `lag ${a.consumer.lag ?? '?'} events (position ${a.consumer.position ?? '?'} of ${a.consumer.head ?? '?'})`
      : '';
    lines.push(
      `  ${a.name.padEnd(20)} ${a.url.padEnd(24)} ${ready.padEnd(11)} ${lag}${a.error ? `  ${a.error}` : ''}`,
    );
  }
  lines.push(
    '',
    `every account: risk ${r.global.risk?.state ?? 'ACTIVE'}, kill switch ${flag(r.global.killSwitch, 'ENGAGED', 'off')}, trading ${flag(r.global.sessionStopped, 'STOPPED', 'on')}`,
    '',
    'accounts:',
  );
  if (r.accounts.length === 0) lines.push('  (none recorded)');
  for (const a of r.accounts) {
    const eq = a.equity
      ? `${a.equity.equity} ${a.equity.currency}${a.equity.stale ? ` (stale: ${a.equity.stale})` : ''}`
      : 'no equity yet';
    lines.push(
      `  ${a.accountId.padEnd(20)} ${eq}; risk ${a.effective.riskState}${a.risk ? ` (${a.risk.cause})` : ''}; ${a.effective.killed ? 'KILLED' : 'not killed'}; ${a.effective.trading ? 'trading' : 'STOPPED'}`,
    );
  }
  lines.push('', 'working parent orders:');
  if (r.workingParentOrders.length === 0) lines.push('  (none)');
  for (const p of r.workingParentOrders)
    lines.push(
      `  ${p.accountId} ${p.instrument} ${p.side} ${p.qty} (${p.fromPosition} → ${p.targetPosition}) by ${p.deadline}; filled ${p.progress?.filled ?? '0'} of ${p.progress?.scheduled ?? '?'} scheduled${p.paused.length ? `; paused: ${p.paused.join(', ')}` : ''}`,
    );
  return lines.join('\n');
};

export const statusCommand: Command = {
  summary:
    "apps' readiness and lag, accounts' equity, risk, kill switch and trading, working parent orders: [--store <uri>] [--port-offset <n>] [--apps name=url,…]",
  description: help,
  options: FLAGS,
  run: async (args, io) => {
    // `--port-offset -1` reaches the offset's own check (and its message).
    const flags = parseFlags(joinNegativeValues(args), FLAGS);
    const portOffset = intFlag('port-offset', flags['port-offset'], 0, 0);
    const timeoutMs = intFlag('timeout-ms', flags['timeout-ms'], 2000, 1);
    const apps = flags.apps === undefined ? undefined : parseAppsFlag(flags.apps);
    const r = await collectStatus({
      ...(flags.store !== undefined ? { store: flags.store } : {}),
      portOffset,
      timeoutMs,
      ...(apps ? { apps } : {}),
    });
    if (E.isLeft(r)) {
      if (r.left._tag === 'UsageError') throw new UsageError(r.left.message);
      io.progress(`status: the store failed while read: ${r.left.message}`);
      return 1;
    }
    io.result(r.right, () => human(r.right));
    return 0;
  },
};
