/**
 * Execution's rounds: which targets are taken up and how, when a working aggregate gets a
 * Tick (pauses first), and the start-up reconciliation of children in flight with the
 * gateway's log — each as of the instant it is given.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, streamName } from '@keel/events';
import { foldStream } from '@keel/event-store';
import {
  defaultExecutionConfig,
  ExecutionView,
  freshTouch,
  inFlightByAccount,
  nextWakeAt,
  pauseCommands,
  reconcileSteps,
  targetStep,
  tickDue,
  Touch,
  wantedPauses,
} from '@keel/execution-domain';
import { describeError } from '@keel/events';
import { Cause, ExecutionContext, keyOf, orThrow } from './execution.context';
import { Decisions } from './execution.decisions';

export const createRounds = (ctx: ExecutionContext, decisions: Decisions) => {
  const { store, clock, logger, metrics, settings } = ctx;
  const view = ctx.view;
  const { held, run, reject, pacingOf } = decisions;
  const touchOf = (v: ExecutionView, accountId: string, symbol: string, now: number): Touch | null =>
    freshTouch(v, v.venues[accountId] ?? '', symbol, now, settings.quoteMaxAgeMs);

  /** Targets the decider found nothing to do for (the position is the target): this process only. */
  const settled = new Map<string, string>();

  /** Take up the latest target of (account, symbol) if this aggregate has not yet. */
  const takeTarget = async (
    v: ExecutionView,
    accountId: string,
    symbol: string,
    cause: Cause,
    now: number,
  ): Promise<void> => {
    const target = v.targets[accountId]?.[symbol];
    if (!target) return;
    const h = await held(accountId, symbol);
    const key = keyOf(accountId, symbol);
    if (h.lastTaken === target.targetId || settled.get(key) === target.targetId) return;
    const step = targetStep(v, h.agg, target, now, touchOf(v, accountId, symbol, now), settings);
    switch (step._tag) {
      case 'Wait':
        return;
      case 'Nothing':
        settled.set(key, target.targetId);
        metrics.targets.inc({ outcome: 'nothing' });
        return;
      case 'Reject':
        return orThrow(
          await reject(accountId, symbol, target.targetId, step.error, cause, now)(),
          'storing a rejection',
        );
      case 'Decide': {
        const r = await run(accountId, symbol, step.command, cause, now, step.config)();
        if (E.isLeft(r)) {
          const err = r.left;
          if (err._tag === 'InfrastructureError' || err._tag === 'ConcurrencyError')
            throw new Error(describeError(err));
          return orThrow(
            await reject(accountId, symbol, target.targetId, err, cause, now)(),
            'storing a rejection',
          );
        }
        // No events: the decider found nothing to do (the position is the target).
        if (r.right.length === 0) settled.set(key, target.targetId);
        metrics.targets.inc({
          outcome: r.right.some((e) => e.type === 'ParentOrderSuperseded')
            ? 'superseding'
            : r.right.length === 0
              ? 'nothing'
              : 'started',
        });
        return;
      }
      default: {
        const never: never = step;
        return never;
      }
    }
  };

  /** Pauses wanted vs held, then a Tick when the decider is due or the touch moved (as of `now`). */
  const step = async (
    v: ExecutionView,
    accountId: string,
    symbol: string,
    cause: Cause,
    now: number,
  ): Promise<void> => {
    const before = await held(accountId, symbol);
    for (const c of pauseCommands(
      before.agg.state,
      wantedPauses(v, accountId, symbol, now, settings.marketOpen),
      now,
    )) {
      const r = await run(accountId, symbol, c, cause, now)();
      if (E.isLeft(r))
        logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'pause refused');
    }
    const s = (await held(accountId, symbol)).agg.state;
    if (s.status !== 'Working' && s.status !== 'Superseding') return;
    const p = pacingOf(accountId, symbol);
    const touch = touchOf(v, accountId, symbol, now);
    if (touch === null && !p.noTouchWarned && s.status === 'Working')
      logger.warn(
        { accountId, instrument: symbol, maxAgeMs: settings.quoteMaxAgeMs },
        'no fresh quote: the parent order sends nothing until one arrives (the gateway records quotes for its KEEL_INSTRUMENTS and instruments with orders)',
      );
    p.noTouchWarned = touch === null;
    const touchKey = touch ? `${touch.bid.toFixed()}/${touch.ask.toFixed()}` : '';
    if (!tickDue({ status: s.status, touchKey, lastTouchKey: p.lastTouch, wakeAt: p.wakeAt, now })) return;
    p.lastTouch = touchKey;
    const r = await run(accountId, symbol, { type: 'Tick', now, touch }, cause, now)();
    if (E.isLeft(r))
      logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'tick refused');
    else if (r.right.length === 0)
      p.wakeAt = nextWakeAt((await held(accountId, symbol)).agg.state, now, defaultExecutionConfig());
  };

  const owned = (accountId: string): boolean => settings.accounts.includes(accountId);

  /**
   * Every (account, symbol) that ever had a target (an aggregate with history had one), not
   * every instrument a venue lists: a venue lists hundreds. Targets of accounts it does not
   * trade for are included: taking them up rejects them.
   */
  const knownPairs = (v: ExecutionView): [string, string][] => {
    const out = new Set<string>();
    for (const [a, bySymbol] of Object.entries(v.targets))
      for (const s of Object.keys(bySymbol)) out.add(keyOf(a, s));
    return [...out].sort().map((k) => k.split(' ', 2) as [string, string]);
  };

  const refreshGauge = (): void => {
    metrics.working.set(
      [...decisions.all().values()].filter(
        (h) => h.agg.state.status === 'Working' || h.agg.state.status === 'Superseding',
      ).length,
    );
  };

  /** Every pair as of `now`: take up its target, then (if `stepToo`) step it. */
  const round = async (v: ExecutionView, cause: Cause, now: number, stepToo: boolean): Promise<void> => {
    for (const [a, s] of knownPairs(v)) {
      await takeTarget(v, a, s, cause, now);
      if (stepToo && decisions.cached(a, s)) await step(v, a, s, cause, now);
    }
    refreshGauge();
  };

  // ---- start-up reconciliation -----------------------------------------------------------------

  /**
   * For every aggregate with children in flight: what the gateway recorded about them while
   * this process was down (or before its reaction checkpoint), read back from the gateway's
   * account stream, newest first until before the oldest open child, applied in log order.
   */
  const reconcile = async (): Promise<void> => {
    for (const [a, s] of knownPairs(view())) await held(a, s);
    for (const account of inFlightByAccount([...decisions.all().values()].map((h) => h.agg))) {
      const stream = streamName('venue', account.accountId);
      if (E.isLeft(stream)) continue;
      const newestFirst = orThrow(
        await foldStream(
          store,
          stream.right,
          [] as RecordedEvent[],
          (acc, e) => ({ state: [...acc, e], stop: Date.parse(e.occurredAt) < account.readBackTo }),
          {
            direction: 'backwards',
            pageSize: 2048,
          },
        )(),
        `reading ${stream.right}`,
      );
      let n = 0;
      for (const step of reconcileSteps(account, newestFirst.reverse(), clock.now())) {
        const cause = {
          correlationId: `execution-reconcile-${account.accountId}`,
          causationId: step.cause.eventId,
        };
        const r = await run(account.accountId, step.symbol, step.command, cause, clock.now())();
        if (E.isRight(r)) n += r.right.length;
      }
      metrics.reconciled.inc(n);
      logger.info(
        { accountId: account.accountId, openChildren: account.open.size, recorded: n },
        'reconciled children in flight with the gateway log',
      );
    }
  };

  return { takeTarget, round, reconcile, refreshGauge, owned };
};
