/**
 * Production wiring of cme-rollover: config → calendars and policies → the folding app
 * (state: `rollover.state.ts`) → a decision per (account, root) on each relevant event and on
 * each tick of the injected clock (`rollover.step.ts`), appended with ids derived from causes.
 *
 * Decisions run one at a time. The state a decision reads is the folded log plus this
 * process's own writes that the fold has not consumed yet (by global position), so a tick
 * right after another decision does not re-decide on a stale view.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { Counter } from 'prom-client';
import { describeError, EventMeta, KeelError, NewEvent, RecordedEvent, validationError, ValidationError } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { RollPolicy } from '@keel/calendar';
import { AppMainSpec, AppPorts, AppProgram, FoldingApp, serialQueue, startFoldingApp } from '@keel/runtime';
import {
  APP,
  ContractCalendar,
  decideBook,
  desiredAt,
  DEFAULT_EXPOSURE_POLICY,
  ExposurePolicy,
  foldRollover,
  initialRolloverState,
  rollContractsFromCalendar,
  ROLLOVER_EVENT_TYPES,
  RolloverState,
  rootInstrument,
  validatePolicy,
} from '@keel/rollover-domain';

const LIST = '^$|^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$';

export const RolloverConfig = {
  roots: Type.String({ default: 'ES,GC', pattern: '^[A-Z0-9]{1,8}(,[A-Z0-9]{1,8})*$', description: 'owned CME roots, comma-separated (contracts 2024-02..2027-12 from @keel/calendar)' }),
  accountIds: Type.String({ default: '', pattern: LIST, description: 'owned accounts, comma-separated; empty = every account with a CME:<ROOT> target' }),
  exposurePolicy: Type.String({
    default: 'weekend=0,dailyHalt=1,holiday=0,earlyClose=0,leadMinutes=30',
    description: 'default exposure policy by market state: multipliers in [0, 1] and the lead before a reducing close',
  }),
  accountExposurePolicies: Type.String({ default: '', description: "per-account overrides of exposurePolicy: 'acc-1:weekend=0.5,leadMinutes=60;acc-2:holiday=1'" }),
  rollPolicy: Type.String({ default: '', description: "roll dates per root, business days before the anchor: 'GC:5/2,ES:8/2' (roll start / forced roll); empty = calendar defaults" }),
  tickMs: Type.Integer({ default: 60_000, minimum: 10, description: 'decision tick on the injected clock' }),
  targetHorizonSec: Type.Integer({ default: 900, minimum: 1, description: 'horizon of a contract target (shortened to the next close while open)' }),
};
export type RolloverSettings = { [K in keyof typeof RolloverConfig]: Static<(typeof RolloverConfig)[K]> };

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** `weekend=0,leadMinutes=60` over a base policy. */
export const parsePolicy = (path: string, text: string, base: ExposurePolicy): E.Either<ValidationError, ExposurePolicy> => {
  const p: Record<string, string | number> = { ...base };
  for (const kv of list(text)) {
    const [k, v] = kv.split('=').map((x) => x.trim());
    if (k === undefined || v === undefined || !(k in base)) return E.left(validationError(path, kv, `must be key=value with a key of ${Object.keys(base).join(', ')}`));
    p[k] = k === 'leadMinutes' ? Number(v) : v;
  }
  const policy = p as unknown as ExposurePolicy;
  const ok = validatePolicy(policy);
  return E.isLeft(ok) ? E.left({ ...ok.left, path: `${path}/${ok.left.path.replace(/^policy\//, '')}` }) : E.right(policy);
};

export interface Resolved {
  readonly calendars: ReadonlyMap<string, ContractCalendar>;
  readonly accounts: readonly string[];
  readonly policyOf: (account: string) => ExposurePolicy;
}

/** Config → calendars and policies; every mistake names its key. */
export const resolveConfig = (c: RolloverSettings): E.Either<ValidationError, Resolved> => {
  const rollPolicies = new Map<string, RollPolicy>();
  for (const item of list(c.rollPolicy)) {
    const m = /^([A-Z0-9]{1,8}):(\d+)\/(\d+)$/.exec(item);
    if (!m || m[1] === undefined) return E.left(validationError('KEEL_ROLL_POLICY', item, "must be ROOT:<rollStartBusinessDays>/<forcedRollBusinessDays>, e.g. 'GC:5/2'"));
    rollPolicies.set(m[1], { rollStartBusinessDays: Number(m[2]), forcedRollBusinessDays: Number(m[3]) });
  }
  const calendars = new Map<string, ContractCalendar>();
  for (const root of list(c.roots)) {
    const cal = rollContractsFromCalendar(root, rootInstrument(root), '2024-02', '2027-12', rollPolicies.get(root));
    if (E.isLeft(cal)) return E.left(validationError('KEEL_ROOTS', root, describeError(cal.left)));
    calendars.set(root, cal.right);
  }
  const base = parsePolicy('KEEL_EXPOSURE_POLICY', c.exposurePolicy, DEFAULT_EXPOSURE_POLICY);
  if (E.isLeft(base)) return base;
  const perAccount = new Map<string, ExposurePolicy>();
  for (const item of c.accountExposurePolicies.split(';').map((x) => x.trim()).filter((x) => x !== '')) {
    const i = item.indexOf(':');
    if (i <= 0) return E.left(validationError('KEEL_ACCOUNT_EXPOSURE_POLICIES', item, "must be '<account>:key=value,...'"));
    const p = parsePolicy(`KEEL_ACCOUNT_EXPOSURE_POLICIES/${item.slice(0, i)}`, item.slice(i + 1), base.right);
    if (E.isLeft(p)) return p;
    perAccount.set(item.slice(0, i), p.right);
  }
  return E.right({ calendars, accounts: list(c.accountIds), policyOf: (a) => perAccount.get(a) ?? base.right });
};

/** Append; ids already stored (even with other content) are kept. Returns the position of what was written, if anything. */
const appendIdempotent = async (store: EventStore, stream: string, events: readonly NewEvent[]): Promise<number | null> => {
  const all = await store.append(stream, events, 'any')();
  if (E.isRight(all)) return all.right.position;
  if (!(all.left._tag === 'ValidationError' && all.left.path === '/eventId')) throw new Error(describeError(all.left));
  let last: number | null = null;
  for (const e of events) {
    const one = await store.append(stream, [e], 'any')();
    if (E.isRight(one)) last = one.right.position;
    else if (!(one.left._tag === 'ValidationError' && one.left.path === '/eventId')) throw new Error(describeError(one.left));
  }
  return last;
};

export interface RolloverProgram extends AppProgram {
  state(): RolloverState;
  /** The global position the state includes. */
  position(): number;
  /** Runs one decision round for every managed book now (what a tick does). */
  tick(): Promise<void>;
}

export const startRollover = async (ports: AppPorts, config: RolloverSettings & { snapshotEvery: number }): Promise<E.Either<KeelError, RolloverProgram>> => {
  const { store, clock, logger } = ports;
  const resolved = resolveConfig(config);
  if (E.isLeft(resolved)) return resolved;
  const { calendars, accounts, policyOf } = resolved.right;
  const fold = foldRollover({ calendars, accounts });
  const unknownPositions = new Counter({
    name: 'cme_rollover_unknown_contract_positions_total',
    help: 'Positions seen in a contract the calendar does not know (reported, never rolled)',
    labelNames: ['root', 'contract'] as const,
    registers: [ports.metrics.registry],
  });
  const decisionErrors = new Counter({ name: 'cme_rollover_decision_errors_total', help: 'Decisions that failed (logged at error level)', labelNames: ['root'] as const, registers: [ports.metrics.registry] });

  // Own writes the fold may not include yet, by global position.
  let pending: { position: number; events: readonly NewEvent[] }[] = [];
  const serial = serialQueue();

  /** Decide for the given books on `base` (the folded state at `basePosition`) and store the result. */
  const decideAll = async (base: RolloverState, basePosition: number, which: (account: string, root: string) => boolean, cause: Pick<EventMeta, 'correlationId' | 'causationId'>): Promise<void> => {
    let view = pending
      .filter((p) => p.position > basePosition)
      .flatMap((p) => p.events)
      .reduce(fold, base);
    const now = clock.now();
    for (const account of Object.keys(view.books).sort()) {
      for (const root of Object.keys(view.books[account] ?? {}).sort()) {
        const book = view.books[account]?.[root];
        const calendar = calendars.get(root);
        if (book === undefined || calendar === undefined || desiredAt(book, now) === null || !which(account, root)) continue;
        const step = decideBook({ accountId: account, calendar, policy: policyOf(account), horizonSec: config.targetHorizonSec }, book, now, cause);
        if (E.isLeft(step)) {
          decisionErrors.inc({ root });
          logger.error({ accountId: account, root, err: describeError(step.left) }, 'roll decision failed; positions are held as they are');
          continue;
        }
        for (const w of step.right.writes) {
          const position = await appendIdempotent(store, w.stream, w.events);
          if (position !== null && position > basePosition) pending.push({ position, events: w.events });
          view = w.events.reduce(fold, view);
          for (const e of w.events)
            logger.info({ accountId: account, root, type: e.type, data: e.data, phase: step.right.exposure.phase }, `roll decision: ${e.type}`);
        }
      }
    }
  };

  const app: FoldingApp<RolloverState> = {
    name: APP,
    projection: { version: 1, initial: initialRolloverState, eventTypes: ROLLOVER_EVENT_TYPES, evolve: (s, e) => fold(s, e) },
    react: (event: RecordedEvent, state: RolloverState) => {
      if (event.producer === APP) return [];
      const cause = { correlationId: event.correlationId, causationId: event.eventId };
      if (event.type === 'PositionSnapshot') {
        const account = event.data.accountId;
        for (const [root, book] of Object.entries(state.books[account] ?? {}))
          for (const contract of book.freshUnknown) {
            unknownPositions.inc({ root, contract });
            logger.error({ accountId: account, root, contract, qty: book.unknown[contract] }, 'position in a contract the calendar does not know: reported, not rolled');
          }
        return serial(() => decideAll(state, event.globalPosition, (a) => a === account, cause)).then(() => []);
      }
      if (event.type === 'TargetPositionSet') {
        const root = [...calendars.keys()].find((r) => rootInstrument(r) === event.data.instrument);
        if (root === undefined) return [];
        const account = event.data.accountId;
        return serial(() => decideAll(state, event.globalPosition, (a, r) => a === account && r === root, cause)).then(() => []);
      }
      return [];
    },
  };

  const running = await startFoldingApp(app, ports, { snapshotEvery: config.snapshotEvery });
  if (E.isLeft(running)) return running;

  let stopped = false;
  let cancelTimer: (() => void) | null = null;
  let inTick: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> =>
    serial(() => {
      const position = running.right.position();
      pending = pending.filter((p) => p.position > position);
      return decideAll(running.right.state(), position, () => true, { correlationId: `${APP}-tick-${clock.now()}`, causationId: null });
    });
  const schedule = (): void => {
    if (stopped) return;
    cancelTimer = clock.setTimer(`${APP}-tick`, clock.now() + config.tickMs, () => {
      inTick = tick()
        .catch((e: unknown) => logger.warn({ err: String(e) }, 'tick failed; the next one decides again'))
        .finally(schedule);
    });
  };
  schedule();
  logger.info({ roots: [...calendars.keys()], accounts: accounts.length === 0 ? 'any' : accounts, tickMs: config.tickMs }, 'cme-rollover started');

  return E.right({
    state: () => running.right.state(),
    position: () => running.right.position(),
    tick,
    stop: async () => {
      stopped = true;
      cancelTimer?.();
      await inTick;
      await serial.idle();
      await running.right.stop();
    },
  });
};

export const rolloverMain: AppMainSpec<typeof RolloverConfig> = {
  name: APP,
  defaultHttpPort: 8084,
  config: RolloverConfig,
  start: (ports, config) => startRollover(ports, config),
};
