/**
 * Execution's rounds: which targets are taken up and how, when a working aggregate gets a
 * Tick (pauses first), and the start-up reconciliation of children in flight with the
 * gateway's log — each as of the instant it is given.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { RecordedEvent, streamName } from '@keel/events';
import { foldStream } from '@keel/event-store';
import {
  ExecutionError,
  ExecutionView,
  freshTouch,
  inFlightByAccount,
  MarketTotals,
  marketTotalsAt,
  nextWakeAt,
  pauseCommands,
  reconcileSteps,
  followUpStep,
  targetStep,
  tickDue,
  Touch,
  wantedPauses,
} from '@keel/execution-domain';
import { describeError, KeelError } from '@keel/events';
import { Cause, ExecutionContext, keyOf } from './execution.context';
import { Decisions } from './execution.decisions';

export const createRounds = (ctx: ExecutionContext, decisions: Decisions) => {
  const { store, clock, logger, metrics, settings } = ctx;
  const view = ctx.view;
  // `cfg`: the configuration `run` decides with, so pacing reads the same policy.
  const { load, run, reject, pacingOf, config: cfg } = decisions;
  const done: E.Either<KeelError, void> = E.right(undefined);
  /** The store's own failures are waited out by the command handler; those that remain are passed on. */
  const storeFailure = (e: KeelError | ExecutionError): e is KeelError =>
    e._tag === 'InfrastructureError' || e._tag === 'ConcurrencyError';
  const touchOf = (v: ExecutionView, accountId: string, symbol: string, now: number): Touch | null =>
    freshTouch(v, v.venues[accountId] ?? '', symbol, now, settings.quoteMaxAgeMs);
  const marketOf = (v: ExecutionView, accountId: string, symbol: string, now: number): MarketTotals =>
    marketTotalsAt(v, v.venues[accountId] ?? '', symbol, now);

  /**
   * Targets there is nothing (more) to do for: the position is the target, or a follow-up is not
   * due or was refused. This process only.
   */
  const settled = new Map<string, string>();

  /**
   * Take up the latest target of (account, symbol) if this aggregate has not yet, or follow it
   * up (settings.followUp) when its last parent order ended at its deadline short of it.
   */
  const takeTarget =
    (
      v: ExecutionView,
      accountId: string,
      symbol: string,
      cause: Cause,
      now: number,
    ): TE.TaskEither<KeelError, void> =>
    async () => {
      const target = v.targets[accountId]?.[symbol];
      if (!target) return done;
      const loaded = await load(accountId, symbol)();
      if (E.isLeft(loaded)) return loaded;
      const h = loaded.right;
      const key = keyOf(accountId, symbol);
      if (settled.get(key) === target.targetId) return done;
      // A target taken up already may get a follow-up parent order (its last one ended at its
      // deadline short of it); without follow-ups configured there is nothing more to do, unless
      // it never got a parent at all (superseding outlived its deadline: followUpStep).
      const followUp = h.lastTaken === target.targetId;
      if (followUp && settings.followUp === undefined && h.started > 0) return done;
      const touch = touchOf(v, accountId, symbol, now);
      const market = marketOf(v, accountId, symbol, now);
      const step = followUp
        ? followUpStep(
            v,
            h.agg,
            target,
            h.started,
            now,
            touch,
            market,
            settings,
            wantedPauses(v, accountId, symbol, now, settings.marketOpen),
          )
        : targetStep(v, h.agg, target, now, touch, market, settings);
      switch (step._tag) {
        case 'Wait':
          return done;
        case 'Nothing':
          settled.set(key, target.targetId);
          // A target taken up already was counted then.
          if (!followUp) metrics.targets.inc({ outcome: 'nothing' });
          return done;
        case 'Reject':
          return reject(accountId, symbol, target.targetId, step.error, cause, now)();
        case 'Decide': {
          const r = await run(accountId, symbol, step.command, cause, now, step.config)();
          if (E.isLeft(r)) {
            const err = r.left;
            // The store's failure is passed on (the trigger is tried again); the decider's refusal is stored.
            if (storeFailure(err)) return E.left(err);
            if (followUp) {
              // The target was taken up already (its refusal would not be stored): the rest is
              // what the decider cannot trade (below the smallest tradable quantity, say).
              settled.set(key, target.targetId);
              logger.warn(
                { accountId, instrument: symbol, targetId: target.targetId, err: describeError(err) },
                'no follow-up for a target missed at its deadline: the decider refused it',
              );
              return done;
            }
            return reject(accountId, symbol, target.targetId, err, cause, now)();
          }
          if (followUp && r.right.length > 0)
            logger.info(
              {
                accountId,
                instrument: symbol,
                targetId: target.targetId,
                attempt: step.command.attempt,
                qty: step.command.targetPosition,
              },
              'target missed at its deadline: follow-up parent order',
            );
          // No events: the decider found nothing to do (the position is the target).
          if (r.right.length === 0) settled.set(key, target.targetId);
          metrics.targets.inc({
            outcome: r.right.some((e) => e.type === 'ParentOrderSuperseded')
              ? 'superseding'
              : r.right.length === 0
                ? 'nothing'
                : followUp
                  ? 'followUp'
                  : 'started',
          });
          return done;
        }
        default: {
          const never: never = step;
          return never;
        }
      }
    };

  /** Pauses wanted vs held, then a Tick when the decider is due or the touch moved (as of `now`). */
  const step =
    (
      v: ExecutionView,
      accountId: string,
      symbol: string,
      cause: Cause,
      now: number,
    ): TE.TaskEither<KeelError, void> =>
    async () => {
      const before = await load(accountId, symbol)();
      if (E.isLeft(before)) return before;
      for (const c of pauseCommands(
        before.right.agg,
        wantedPauses(v, accountId, symbol, now, settings.marketOpen),
        now,
      )) {
        const r = await run(accountId, symbol, c, cause, now)();
        if (E.isLeft(r) && storeFailure(r.left)) return E.left(r.left);
        if (E.isLeft(r))
          logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'pause refused');
      }
      const current = await load(accountId, symbol)();
      if (E.isLeft(current)) return current;
      const s = current.right.agg.state;
      if (s.status !== 'Working' && s.status !== 'Superseding') return done;
      const p = pacingOf(accountId, symbol);
      const touch = touchOf(v, accountId, symbol, now);
      if (touch === null && !p.noTouchWarned && s.status === 'Working')
        logger.warn(
          { accountId, instrument: symbol, maxAgeMs: settings.quoteMaxAgeMs },
          'no fresh quote: the parent order sends nothing until one arrives (the gateway records quotes for its KEEL_INSTRUMENTS and instruments with orders)',
        );
      p.noTouchWarned = touch === null;
      // The sizes count as a move only when the policy reads them (the imbalance rule): else a
      // size change would tick for nothing. The effective policy's rule, the one `run` decides
      // with: an engine given no policy decides with DEFAULT_POLICY, so it is that one's.
      const sizes =
        touch && cfg.policy.imbalance
          ? `/${touch.bidQty?.toFixed() ?? ''}/${touch.askQty?.toFixed() ?? ''}`
          : '';
      const touchKey = touch ? `${touch.bid.toFixed()}/${touch.ask.toFixed()}${sizes}` : '';
      if (!tickDue({ status: s.status, touchKey, lastTouchKey: p.lastTouch, wakeAt: p.wakeAt, now }))
        return done;
      p.lastTouch = touchKey;
      const market = marketOf(v, accountId, symbol, now);
      const r = await run(accountId, symbol, { type: 'Tick', now, touch, market }, cause, now)();
      if (E.isLeft(r) && storeFailure(r.left)) return E.left(r.left);
      if (E.isLeft(r))
        logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'tick refused');
      else if (r.right.length === 0) {
        const after = await load(accountId, symbol)();
        if (E.isLeft(after)) return after;
        p.wakeAt = nextWakeAt(after.right.agg.state, now, cfg);
      }
      return done;
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
  const round =
    (v: ExecutionView, cause: Cause, now: number, stepToo: boolean): TE.TaskEither<KeelError, void> =>
    async () => {
      for (const [a, s] of knownPairs(v)) {
        const taken = await takeTarget(v, a, s, cause, now)();
        if (E.isLeft(taken)) return taken;
        if (stepToo && decisions.cached(a, s)) {
          const stepped = await step(v, a, s, cause, now)();
          if (E.isLeft(stepped)) return stepped;
        }
      }
      refreshGauge();
      return done;
    };

  // ---- start-up reconciliation -----------------------------------------------------------------

  /**
   * For every aggregate with children in flight: what the gateway recorded about them while
   * this process was down (or before its reaction checkpoint), read back from the gateway's
   * account stream, newest first until before the oldest open child, applied in log order.
   */
  const reconcile = (): TE.TaskEither<KeelError, void> => async () => {
    for (const [a, s] of knownPairs(view())) {
      const loaded = await load(a, s)();
      if (E.isLeft(loaded)) return loaded;
    }
    for (const account of inFlightByAccount([...decisions.all().values()].map((h) => h.agg))) {
      const stream = streamName('venue', account.accountId);
      if (E.isLeft(stream)) continue;
      const read = await foldStream(
        store,
        stream.right,
        [] as RecordedEvent[],
        (acc, e) => ({ state: [...acc, e], stop: Date.parse(e.occurredAt) < account.readBackTo }),
        {
          direction: 'backwards',
          pageSize: 2048,
        },
      )();
      if (E.isLeft(read)) return read;
      const newestFirst = [...read.right];
      let n = 0;
      for (const step of reconcileSteps(account, newestFirst.reverse(), clock.now())) {
        const cause = {
          correlationId: `execution-reconcile-${account.accountId}`,
          causationId: step.cause.eventId,
        };
        const r = await run(account.accountId, step.symbol, step.command, cause, clock.now())();
        if (E.isLeft(r) && storeFailure(r.left)) return E.left(r.left);
        if (E.isRight(r)) n += r.right.length;
      }
      metrics.reconciled.inc(n);
      logger.info(
        { accountId: account.accountId, openChildren: account.open.size, recorded: n },
        'reconciled children in flight with the gateway log',
      );
    }
    return done;
  };

  return { takeTarget, round, reconcile, refreshGauge, owned };
};
