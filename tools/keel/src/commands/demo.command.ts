/**
 * `keel demo` (what `npm start` runs): a paper-trading session that trades.
 *
 *   keel demo [--minutes 2] [--speed 300] [--chaos] [--seed N] [--data <dir>] [--json]
 *
 * NATS (the one at KEEL_NATS_URL / NATS_URL when it answers, else its own nats-server with
 * JetStream on a free port), a fresh embedded store, every app as its own process (the relay,
 * prediction-ingest, the optimizer, execution, cme-rollover, balance-aggregator and one gateway
 * per venue), all on one accelerated clock; simulated venues replaying recorded market data
 * (hosted here, served to the gateways over loopback HTTP, so they outlive any gateway); the
 * example model sending signed predictions over HTTP. It runs for --minutes of wall time or
 * until Ctrl-C, then winds down (the model stops, working orders get a little time, the kill
 * switch is engaged with the reason "paper session ended"), stops every app, checks the
 * invariants (demo.invariants.ts) and prints the summary (JSON with --json) and the path of a
 * self-contained HTML report. Exit 0 only when every invariant holds.
 *
 * `--chaos` SIGKILLs random apps, the gateways and the relay at random times (seeded: --seed)
 * and restarts them; the invariants must hold all the same.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { clockFromSettings } from '@keel/clock';
import { deriveId, newEvent, RecordedEvent, streamName } from '@keel/events';
import { EventStore, openEventStore } from '@keel/event-store';
import { createPredictionClient } from '@keel/prediction-client';
import { intFlag, parseFlags, UsageError } from '../cli.io';
import { DemoCollector } from '../demo/demo.collect';
import {
  cmeSessionInvariant,
  deliveryInvariant,
  filledParentsInvariant,
  fillsOnceInvariant,
  noDoublePlacementInvariant,
  pnlInvariant,
  positionsInvariant,
  targetsInvariant,
} from '../demo/demo.invariants';
import { barMinuteCloses, quoteMinuteCloses, runDemoModel } from '../demo/demo.model';
import { buildDemoPlan, defaultMarketDir, DemoPlan, DemoPlanError, WALL } from '../demo/demo.plan';
import type { DemoChaosAction, DemoInvariant, DemoRecord } from '../demo/demo.record';
import { hostVenues } from '../demo/demo.venues';
import { mulberry32 } from '@keel/venue-sim';
import { createDisplay } from '../demo/demo.display';
import { CME_ACCOUNT, cmeDemoPart, cmeModelPrices, cmeCutoff, RECOMMENDED_SPEED } from '../demo/demo.cme';
import { writeReport } from '../demo/report.html';
import { appLaunch, createSupervisor, ManagedApp } from '../supervise/supervisor';
import type { Command, OptionSpecs } from './command';
import { freePort, listenForSessionStop, natsFor, Owned } from '../supervise/nats';
import { workspaceRoot } from '../workspace-root';
import { pause, sessionBaseEnv } from '../supervise/session';

const root = workspaceRoot();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const OPTIONS = {
  minutes: {
    type: 'string',
    valueName: 'n',
    description: 'wall minutes the session trades',
    defaultText: '2',
  },
  speed: {
    type: 'string',
    valueName: 'x',
    description: 'virtual ms per wall ms (the CME part needs about 278 for 2 minutes)',
    defaultText: String(RECOMMENDED_SPEED),
  },
  chaos: {
    type: 'boolean',
    description: 'SIGKILL random apps, the gateways and the relay, and restart them',
  },
  seed: {
    type: 'string',
    valueName: 'n',
    description: 'seed of the chaos schedule',
    defaultText: 'from the clock',
  },
  data: {
    type: 'string',
    valueName: 'dir',
    description: 'where the store, logs and report go',
    defaultText: 'data/sessions/<start time>',
  },
  'market-data': {
    type: 'string',
    valueName: 'dir',
    description: 'the recorded market data',
    defaultText: 'tools/keel/demo-data (or $KEEL_MARKET_DATA)',
  },
} as const satisfies OptionSpecs;

export const demoCommand: Command = {
  options: OPTIONS,
  summary:
    'the paper-trading session (what npm start runs): every app, simulated venues, the example model; invariants and an HTML report at the end',
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const minutes = flags.minutes === undefined ? 2 : Number(flags.minutes);
    if (!(minutes > 0 && minutes <= 24 * 60))
      throw new UsageError(
        `--minutes must be a number of minutes > 0 (got ${JSON.stringify(flags.minutes)})`,
      );
    const speed = intFlag('speed', flags.speed, RECOMMENDED_SPEED, 1);
    const chaos = flags.chaos === true;
    const seed = intFlag('seed', flags.seed, Date.now() % 1_000_000, 0);
    const marketDir = path.resolve(flags['market-data'] ?? defaultMarketDir(root));
    if (!fs.existsSync(marketDir))
      throw new UsageError(
        `--market-data: ${marketDir} does not exist (a folder of recorded data such as tools/keel/demo-data)`,
      );
    // Listen before anything starts: a second Ctrl-C (or SIGTERM) kills everything at once.
    const owned: Owned = {};
    const stopSignals = listenForSessionStop(io, owned);
    const startedAt = new Date();
    const dir = path.resolve(
      flags.data ?? path.join(root, 'data', 'sessions', startedAt.toISOString().replace(/[:.]/g, '-')),
    );
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });

    // ---- the plan ---------------------------------------------------------------------------
    const cme = cmeDemoPart({ speed, minutes, dataDir: marketDir });
    if (E.isLeft(cme)) throw new UsageError(cme.left);
    let plan: DemoPlan;
    try {
      plan = buildDemoPlan({ speed, minutes, marketDir, clockStart: cme.right.clockStart, cme: cme.right });
    } catch (e) {
      if (e instanceof DemoPlanError) throw new UsageError(e.message);
      throw e;
    }
    io.progress(
      `keel demo: ${minutes} min at ${speed}× (session clock ${new Date(plan.clockStart).toISOString()} → ${new Date(plan.clockStart + minutes * 60_000 * speed).toISOString()}), ${plan.venues.length} accounts; session files in ${dir}`,
    );
    for (const d of plan.data)
      io.progress(
        `  data: ${d.venue} ${d.instrument} ← ${d.file} shifted ${(d.shiftMs / 86_400_000).toFixed(2)} days`,
      );

    // ---- NATS -------------------------------------------------------------------------------
    const processes = [
      'relay',
      'prediction-ingest',
      'optimizer',
      'execution',
      ...(plan.cme ? ['cme-rollover'] : []),
      'balance-aggregator',
      ...plan.venues.map((v) => `gateway-${v.instance}`),
    ];
    const {
      url: natsUrl,
      server: nats,
      envFor: natsEnv,
    } = await natsFor(dir, io, { port: 'free', processes });
    owned.nats = nats;
    const stopNats = async (): Promise<void> => {
      await nats?.stop();
    };

    // ---- one clock for every process --------------------------------------------------------
    const realStart = new Date(Date.now() + 2_000).toISOString();
    const clockSettings = {
      clock: 'accelerated' as const,
      clockFactor: speed,
      clockStart: new Date(plan.clockStart).toISOString(),
      clockRealStart: realStart,
    };
    const clock = clockFromSettings(clockSettings);
    if (E.isLeft(clock)) throw new Error(JSON.stringify(clock.left));

    // ---- the venues (the exchanges: they outlive the gateways) -----------------------------
    const host = await hostVenues(plan.venues, clock.right);
    if (E.isLeft(host)) {
      await stopNats();
      throw new UsageError(host.left);
    }

    // ---- the apps ---------------------------------------------------------------------------
    const storePath = path.join(dir, 'keel.sqlite');
    const storeUri = `sqlite:${storePath}`;
    const keyId = 'demo-key';
    const secret = randomBytes(32).toString('hex');
    const apiPort = await freePort();
    // Nothing of the operator's Keel settings or venue credentials reaches a paper app.
    const baseEnv = sessionBaseEnv(process.env);
    Object.assign(baseEnv, {
      KEEL_NATS_URL: natsUrl,
      KEEL_STORE_URI: storeUri,
      KEEL_CLOCK: 'accelerated',
      KEEL_CLOCK_FACTOR: String(speed),
      KEEL_CLOCK_START: clockSettings.clockStart,
      KEEL_CLOCK_REAL_START: realStart,
    });
    const own: Record<string, Record<string, string>> = {
      relay: {},
      'prediction-ingest': {
        ...plan.appEnv['prediction-ingest'],
        KEEL_API_PORT: String(apiPort),
        KEEL_MODEL_KEYS: JSON.stringify([{ keyId, modelId: 'ma-cross', secret }]),
      },
      optimizer: { KEEL_OPTIMIZER: JSON.stringify(plan.optimizer) },
      execution: { ...plan.appEnv['execution'] },
      ...(plan.cme ? { 'cme-rollover': { ...plan.appEnv['cme-rollover'] } } : {}),
      'balance-aggregator': { ...plan.appEnv['balance-aggregator'] },
    };
    for (const hv of host.right.venues)
      own[`gateway-${hv.plan.instance}`] = {
        ...plan.appEnv[`gateway-${hv.plan.instance}`],
        KEEL_VENUE_URL: hv.url,
      };
    const apps: ManagedApp[] = [];
    for (const [name, env] of Object.entries(own)) {
      const port = await freePort();
      const launch = appLaunch(name.startsWith('gateway-') ? 'gateway' : name);
      apps.push({
        name,
        command: launch.command,
        args: launch.args,
        env: { ...baseEnv, ...env, ...natsEnv(name), KEEL_HTTP_PORT: String(port) },
        healthUrl: `http://127.0.0.1:${port}`,
        logFile: path.join(dir, 'logs', `${name}.log`),
      });
    }

    const display = createDisplay(io, { json: io.json });
    const appStates: { at: number; app: string; state: string }[] = [];
    const supervisor = createSupervisor({
      apps,
      onState: (app, state, detail) => {
        appStates.push({ at: clock.right.now(), app, state: detail ? `${state}: ${detail}` : state });
        display.appState(app, state, detail);
      },
    });
    owned.supervisor = supervisor;
    const ready = await supervisor.startAll();
    const notReady = Object.entries(ready)
      .filter(([, r]) => !r)
      .map(([a]) => a);
    if (notReady.length > 0) io.progress(`not ready: ${notReady.join(', ')} (see ${path.join(dir, 'logs')})`);

    // ---- the log, tailed ----------------------------------------------------------------------
    const opened = await openEventStore(storeUri)();
    if (E.isLeft(opened)) throw new Error(`cannot open ${storeUri}: ${JSON.stringify(opened.left)}`);
    const store: EventStore = opened.right;
    const collector = new DemoCollector(Math.max(1, (minutes * 60_000 * speed) / 600));
    const catchUp = async (): Promise<void> => {
      for (;;) {
        const page = await store.readAll({ after: collector.position, maxCount: 2000 })();
        if (E.isLeft(page)) return;
        for (const e of page.right.events) collector.apply(e as RecordedEvent);
        if (page.right.isEnd || page.right.events.length === 0) return;
      }
    };
    let tailing = true;
    const tail = (async () => {
      while (tailing) {
        await catchUp();
        display.refresh(collector, clock.right.now());
        await sleep(250);
      }
    })();

    // ---- the model ----------------------------------------------------------------------------
    // Signed on the session's clock: the intake checks a signature's time against its own clock.
    const client = createPredictionClient({
      baseUrl: `http://127.0.0.1:${apiPort}`,
      keyId,
      secret,
      now: () => clock.right.now(),
    });
    const stopModel = new AbortController();
    const warm = plan.clockStart - 2 * 3_600_000;
    const model = runDemoModel({
      client,
      clock: clock.right,
      sessionStart: Math.max(plan.clockStart, clock.right.now()),
      // The model's view holds for an hour of the session clock (its minute bars, its means).
      horizonSec: 3600,
      stop: stopModel.signal,
      instruments: plan.modelInstruments.map((m) => ({
        instrument: m.instrument,
        bars:
          m.kind === 'quotes'
            ? quoteMinuteCloses(m.file, m.shiftMs)
            : m.kind === 'bars'
              ? barMinuteCloses(m.file, m.shiftMs)
              : cmeModelPrices(cme.right, warm),
      })),
    }).catch((e: unknown) => {
      io.progress(`model stopped: ${String(e)}`);
      return undefined;
    });

    const ending = new AbortController();
    // ---- chaos ------------------------------------------------------------------------------
    const chaosActions: DemoChaosAction[] = [];
    let chaosOn = chaos;
    const chaosRun = (async () => {
      if (!chaos) return;
      const rnd = mulberry32(seed); // seeded: a chaos run is repeatable from its seed
      // The relay and a gateway first (the kills the issue names), then every other app, each
      // round in a seeded order: a short session still loses its relay and a gateway.
      const names = apps.map((a) => a.name);
      const shuffled = (xs: readonly string[]): string[] =>
        xs
          .map((x) => [rnd(), x] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, x]) => x);
      const gateways = shuffled(names.filter((n) => n.startsWith('gateway-')));
      const first = ['relay', ...gateways.slice(0, 1)];
      const order = [...first, ...shuffled(names.filter((n) => !first.includes(n)))];
      io.progress(`chaos: seed ${seed}; kill order ${order.join(', ')} (then round again)`);
      let k = 0;
      const endAt = Date.now() + minutes * 60_000 - 15_000;
      while (chaosOn && Date.now() < endAt) {
        await pause(5_000 + rnd() * 10_000, ending.signal);
        if (!chaosOn) break;
        const victim = order[k++ % order.length] as string;
        chaosActions.push({ at: clock.right.now(), app: victim, action: 'killed' });
        display.note(`chaos: SIGKILL ${victim}`);
        await supervisor.kill(victim);
        await sleep(500 + rnd() * 2_000);
        chaosActions.push({ at: clock.right.now(), app: victim, action: 'restarted' });
        const back = await supervisor.restart(victim);
        display.note(`chaos: ${victim} restarted${back ? '' : ' (NOT ready)'}`);
      }
    })();

    // ---- until --minutes, or Ctrl-C ----------------------------------------------------------
    const endedBy = await Promise.race([
      pause(minutes * 60_000, ending.signal).then(() => 'minutes' as const),
      stopSignals.requested,
    ]);
    ending.abort(); // the session's timers (its --minutes, the chaos schedule) end here
    display.note(endedBy === 'minutes' ? 'session time is up: winding down' : `${endedBy}: winding down`);
    chaosOn = false;
    await chaosRun;
    stopModel.abort();
    const tally = await model;

    // Wind down: working parent orders get a little time, then the kill switch holds everything.
    // Quiet means no parent order working for a whole second (a superseded one is replaced at
    // the next tick, so a single empty look is not enough).
    const windDownUntil = Date.now() + (endedBy === 'minutes' ? WALL.horizonMs + 5_000 : 3_000);
    let quietSince = Date.now();
    while (Date.now() < windDownUntil) {
      if (collector.working.size > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= 1_000) break;
      await sleep(100);
    }
    await engageKillSwitch(store, clock.right.now());
    // Let each gateway record every fill its venue made (a resting order can still fill after
    // the kill switch) and report its positions after the last one. Bounded: on a loaded
    // machine a gateway's cycle can lag by seconds, and judging before it catches up would
    // blame it for fills it simply had not polled yet.
    const settleFrom = Date.now();
    const unsettled = (): string[] =>
      host.right.venues.flatMap((v) => {
        const accountId = v.plan.accountId;
        const recorded = collector.tradeIds.get(accountId);
        const missing = v.fills().filter((f) => recorded?.has(f.tradeId) !== true);
        const report = collector.reported.get(accountId)?.position ?? 0;
        return [
          ...(missing.length > 0
            ? [
                `${accountId}: ${missing.length} venue fill(s) unrecorded (${missing.map((f) => `${f.tradeId} of ${f.clientOrderId}`).join(', ')})`,
              ]
            : []),
          ...(report > (collector.lastFillAt.get(accountId) ?? 0)
            ? []
            : [`${accountId}: no report after its last fill`]),
        ];
      });
    await catchUp();
    let left = unsettled();
    while (left.length > 0 && Date.now() - settleFrom < 20_000) {
      await sleep(250);
      await catchUp();
      left = unsettled();
    }
    // Said on stderr either way: when an invariant below fails, this is where it started.
    io.progress(
      left.length === 0
        ? `wind-down: every venue fill recorded and reported after ${((Date.now() - settleFrom) / 1000).toFixed(1)} s`
        : `wind-down: gave up after 20 s: ${left.join('; ')}`,
    );
    const virtualEnd = clock.right.now();
    const exits = await supervisor.stopAll();
    tailing = false;
    await tail;
    await catchUp();
    display.stop();
    // Each app's stop was reported as it happened (the supervisor's state lines).

    // ---- invariants, summary, report --------------------------------------------------------
    const invariants: DemoInvariant[] = [
      targetsInvariant(collector),
      noDoublePlacementInvariant(host.right.venues),
      fillsOnceInvariant(collector, host.right.venues),
      await pnlInvariant(storeUri),
      deliveryInvariant(collector, cmeCutoff),
      await positionsInvariant(collector, host.right.venues),
      filledParentsInvariant(collector),
      cmeSessionInvariant(
        collector,
        {
          account: CME_ACCOUNT,
          front: cme.right.plan.facts.front,
          next: cme.right.plan.facts.next,
          close: cme.right.plan.facts.close,
          reopen: cme.right.plan.facts.reopen,
          forcedRoll: cme.right.plan.facts.forcedRoll,
          rollDoneBy:
            cme.right.plan.facts.forcedRoll +
            Number(plan.appEnv['cme-rollover']?.['KEEL_TARGET_HORIZON_SEC'] ?? 0) * 1000 +
            Number(plan.appEnv['cme-rollover']?.['KEEL_TICK_MS'] ?? 0),
        },
        virtualEnd,
      ),
    ];
    if (!chaos) {
      const unclean = [...exits].filter(([, x]) => !x.clean).map(([a]) => a);
      const crashed = [...supervisor.unexpectedExits.keys()];
      invariants.push({
        name: 'every app ran without a crash and stopped cleanly',
        pass: unclean.length === 0 && crashed.length === 0,
        detail:
          unclean.length + crashed.length === 0
            ? `${exits.size} apps, each exit 0`
            : `unclean: ${unclean.join(', ') || 'none'}; crashed: ${crashed.join(', ') || 'none'}`,
      });
    }
    // A session that ran its time must have traded; one stopped early by the operator may not have.
    if (endedBy === 'minutes')
      invariants.push({
        name: 'the session traded',
        pass: collector.fills > 0 && collector.targets > 0,
        detail: `${collector.predictions} predictions, ${collector.targets} targets, ${collector.fills} fills`,
      });
    await store.close();
    await host.right.close();
    await stopNats();
    stopSignals.dispose();

    const venuesByAccount = new Map(plan.venues.map((v) => [v.accountId, v.venue]));
    const record: DemoRecord = {
      session: {
        startedAt: startedAt.toISOString(),
        wallSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
        speed,
        virtualStart: plan.clockStart,
        virtualEnd,
        chaos,
        endedBy,
        data: plan.data,
        storeUri,
        natsUrl,
      },
      totals: {
        predictions: collector.predictions,
        predictionsRefused: tally?.refused ?? 0,
        targets: collector.targets,
        withheld: collector.withheld,
        parentOrders: collector.parents.size,
        childOrders: collector.childOrders,
        fills: collector.fills,
        makerShare: collector.makerShare(),
        fees: Object.fromEntries([...collector.fees].map(([a, v]) => [a, v.toFixed(4)])),
      },
      accounts: collector.accounts(venuesByAccount),
      positions: collector.positions(),
      parentOrders: collector.parentOrders(),
      invariants,
      chaos: chaosActions,
      apps: appStates,
    };
    const reportPath = writeReport(record, dir);
    const ok = invariants.every((i) => i.pass);
    io.result({ ...summaryOf(record), report: reportPath, pass: ok }, () =>
      humanSummary(record, reportPath, ok),
    );
    return ok ? 0 : 1;
  },
};

/** The kill switch over every account, as the operator would engage it: the session's end, recorded. */
const engageKillSwitch = async (store: EventStore, now: number): Promise<void> => {
  const reason = 'paper session ended';
  const stream = streamName('control', 'global');
  if (E.isLeft(stream)) return;
  const event = newEvent(
    'KillSwitchEngaged',
    deriveId('keel-demo', 'KillSwitchEngaged', 'global', reason, now),
    { scope: 'global', accountId: null, reason },
    {
      correlationId: `keel-demo-${now}`,
      causationId: null,
      producer: 'cli',
      occurredAt: new Date(now).toISOString(),
    },
  );
  if (E.isLeft(event)) return;
  await store.append(stream.right, [event.right], 'any')();
};

const summaryOf = (r: DemoRecord) => ({
  session: r.session,
  totals: r.totals,
  accounts: r.accounts.map((a) => ({ account: a.account, venue: a.venue, currency: a.currency, ...a.final })),
  parentOrders: r.parentOrders.length,
  invariants: r.invariants,
  chaos: r.chaos,
});

const humanSummary = (r: DemoRecord, report: string, ok: boolean): string => {
  const t = r.totals;
  const lines = [
    '',
    `paper session: ${r.session.wallSeconds} s wall, ${((r.session.virtualEnd - r.session.virtualStart) / 3_600_000).toFixed(1)} h on the session clock (${r.session.speed}×), ended by ${r.session.endedBy}${r.session.chaos ? `, chaos: ${r.chaos.filter((c) => c.action === 'killed').length} kills` : ''}`,
    `predictions ${t.predictions} (refused ${t.predictionsRefused}) · targets ${t.targets} (withheld ${t.withheld}) · parent orders ${t.parentOrders} · child orders ${t.childOrders} · fills ${t.fills} · maker share ${t.makerShare === null ? '–' : `${(t.makerShare * 100).toFixed(1)} %`}`,
    `fees: ${
      Object.entries(t.fees)
        .map(([a, v]) => `${v} ${a}`)
        .join(', ') || 'none'
    }`,
    '',
    ...r.accounts.map(
      (a) =>
        `${a.account.padEnd(15)} ${a.venue.padEnd(16)} equity ${a.final.equity ?? '–'} ${a.currency}  PnL realized ${a.final.realizedPnl} unrealized ${a.final.unrealizedPnl} fees ${a.final.fees} funding ${a.final.funding}`,
    ),
    '',
    'invariants:',
    ...r.invariants.map((i) => `  ${i.pass ? 'PASS' : 'FAIL'}  ${i.name}: ${i.detail}`),
    '',
    `report: ${report}`,
    ok ? 'every invariant holds' : 'SOME INVARIANTS FAILED',
  ];
  return lines.join('\n');
};
