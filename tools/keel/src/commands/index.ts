/**
 * The command table: `keel <name> …`. Each entry's module is imported only when its command
 * runs or its help is asked for (`lazy`), so `keel --help` and a small command load neither
 * ccxt nor SQLite nor NATS; the summary here is what `keel --help` prints. An eager entry (a
 * `Command` imported at the top) still works: it is how a command written before this table
 * went lazy merges in; wrap it in `lazy` when convenient.
 */
import { type Command, type CommandEntry, lazy } from './command';

/** `keel replay <projection>` from replay.command.ts's table (the CLI spec checks the names). */
const projection = (name: string): Promise<Command> =>
  import('./replay.command').then((m) => {
    const command = m.replayProjectionCommands[`replay ${name}`];
    if (command === undefined) throw new Error(`no replay projection named ${JSON.stringify(name)}`);
    return command;
  });

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  demo: lazy(
    'the paper-trading session (what npm start runs): every app, simulated venues, the example model; invariants and an HTML report at the end',
    () => import('./demo.command').then((m) => m.demoCommand),
  ),
  soak: lazy(
    'the gateway and execution for days of session time under SIGKILLs, NATS restarts, store outages and clock steps; invariants at the end',
    () => import('./soak.command').then((m) => m.soakCommand),
  ),
  start: lazy('start NATS (if none is reachable), the relay and every app; Ctrl-C stops them', () =>
    import('./start.command').then((m) => m.startCommand),
  ),
  'bench store': lazy('event store: batched/single append, read-all with decoding, vs the bare driver', () =>
    import('./bench.command').then((m) => m.benchStoreCommand),
  ),
  'bench bus': lazy('NATS JetStream: publish and consume throughput, latency at 1k msg/s', () =>
    import('./bench.command').then((m) => m.benchBusCommand),
  ),
  'bench coalescing': lazy(
    'venue gateway: REST calls per cycle with request coalescing vs one poller per symbol per account',
    () => import('./bench-coalescing.command').then((m) => m.benchCoalescingCommand),
  ),
  'bench gateway-fold': lazy(
    "venue gateway: one fold step of an account's log early in its history vs after thousands of orders (µs, ratio)",
    () => import('./bench-gateway-fold.command').then((m) => m.benchGatewayFoldCommand),
  ),
  'bench execution-start': lazy(
    'execution: CPU to ready with a short and a long aggregate history, with and without aggregate snapshots (ms, ratio)',
    () => import('./bench-execution-start.command').then((m) => m.benchExecutionStartCommand),
  ),
  'bench codec': lazy(
    'event codec: decode/encode of a parent-order stream vs the schema check alone (events/s, ratio)',
    () => import('./bench-codec.command').then((m) => m.benchCodecCommand),
  ),
  'bench ingest': lazy('the prediction intake (HTTP and NATS) against bare Fastify and raw appends', () =>
    import('./bench-ingest.command').then((m) => m.benchIngestCommand),
  ),
  'bench optimizer': lazy(
    'portfolio optimizer: full and per-prediction passes on a synthetic world vs one engine per (symbol, account)',
    () => import('./bench-optimizer.command').then((m) => m.benchOptimizerCommand),
  ),
  'bench balances': lazy(
    'balance valuation: full revaluation of every account at live marks, and events folded per second',
    () => import('./bench-balances.command').then((m) => m.benchBalancesCommand),
  ),
  'bench pipeline': lazy(
    'prediction over HTTP → ChildOrderRequested at the gateway, through real NATS and the embedded store (p50/p99 ms)',
    () => import('./bench-pipeline.command').then((m) => m.benchPipelineCommand),
  ),
  'bench replay': lazy('PnL backfill throughput and peak RSS on a synthetic session', () =>
    import('./bench-replay.command').then((m) => m.benchReplayCommand),
  ),
  'calendar contracts': lazy(
    'CME calendar: contracts of a product with last trade, first notice and roll dates',
    () => import('./calendar.command').then((m) => m.calendarContractsCommand),
  ),
  'calendar holidays': lazy(
    'CME calendar: closed days and early closes (Chicago time) for a product in a year',
    () => import('./calendar.command').then((m) => m.calendarHolidaysCommand),
  ),
  'calendar state': lazy(
    'CME calendar: market state (open, daily halt, weekend, holiday, early close) at an instant',
    () => import('./calendar.command').then((m) => m.calendarStateCommand),
  ),
  'contract asyncapi': lazy(
    'AsyncAPI 3 document of the event catalog: writes docs/asyncapi.yaml; --check fails if it is stale',
    () => import('./contract.command').then((m) => m.contractAsyncApiCommand),
  ),
  'contract openapi': lazy(
    'OpenAPI document of the predictions API: writes docs/openapi.json; --check fails if it is stale',
    () => import('./contract-openapi.command').then((m) => m.contractOpenApiCommand),
  ),
  'contract release': lazy(
    'event contract: record the current catalog as released (then commit the file)',
    () => import('./contract-release.command').then((m) => m.contractReleaseCommand),
  ),
  'contract check': lazy('event contract: check the current catalog against every released one', () =>
    import('./contract-release.command').then((m) => m.contractCheckCommand),
  ),
  'dlq list': lazy("what an app's consumer dead-lettered (messages not from the relay), oldest first", () =>
    import('./dlq.command').then((m) => m.dlqListCommand),
  ),
  'nats-auth': lazy(
    "NATS users of a deployment and each one's rights: writes infra/nats/auth.conf; --check fails if it is stale",
    () => import('./nats-auth.command').then((m) => m.natsAuthCommand),
  ),
  'twap-sim': lazy(
    'maker-first TWAP vs market-only on recorded data under a virtual clock (execution quality)',
    () => import('./twap-sim.command').then((m) => m.twapSimCommand),
  ),
  'twap-eval': lazy(
    'twap-sim over many windows, sizes and sides of every recorded market: cost difference with bootstrap CIs (docs/twap-eval.md)',
    () => import('./twap-eval.command').then((m) => m.twapEvalCommand),
  ),
  // The worker process of `keel twap-eval --jobs N` (windows on stdin, results on stdout).
  'twap-eval-worker': lazy(
    'a twap-eval worker process (started by keel twap-eval)',
    () => import('./twap-eval.command').then((m) => m.twapEvalWorkerCommand),
    true,
  ),
  'roll-sim': lazy(
    'a CME roll end to end (rollover → execution → venue simulator) on recorded 1-minute bars under a virtual clock',
    () => import('./roll-sim.command').then((m) => m.rollSimCommand),
  ),
  'replay pnl': lazy('PnL backfill: one CSV row per account × instrument × interval (docs/replay.md)', () =>
    import('./replay.command').then((m) => m.replayPnlCommand),
  ),
  'replay archive': lazy(
    'build or extend the PnL archive beside an embedded store (the balance-aggregator keeps it current)',
    () => import('./replay.command').then((m) => m.replayArchiveCommand),
  ),
  // One per projection of replay/projections.ts (a spec checks the two lists agree).
  'replay balance-aggregator': lazy(
    "rebuild the balance-aggregator's PnL state from position 0 and compare it with the live one",
    () => projection('balance-aggregator'),
  ),
  'replay gateway': lazy("rebuild the gateway's state from position 0 and compare it with the live one", () =>
    projection('gateway'),
  ),
  'model ma-cross': lazy(
    'example model: MA-crossover signals on recorded 1m bars, sent to prediction-ingest (signed)',
    () => import('./model.command').then((m) => m.modelMaCrossCommand),
  ),
  'kill engage': lazy(
    "kill switch on: appended to the store, which a running session's relay polls; execution pauses at once",
    () => import('./kill.command').then((m) => m.killEngageCommand),
  ),
  'kill release': lazy('kill switch off: new orders allowed again', () =>
    import('./kill.command').then((m) => m.killReleaseCommand),
  ),
  'kill-switch on': lazy(
    'kill switch on, as an event with the operator and reason (--account A for one account)',
    () => import('./kill.command').then((m) => m.killSwitchOnCommand),
  ),
  'kill-switch off': lazy('kill switch off, as an event with the operator and reason', () =>
    import('./kill.command').then((m) => m.killSwitchOffCommand),
  ),
  'sessions trade-all': lazy("start every configured account's trading (TradingSessionStarted)", () =>
    import('./sessions.command').then((m) => m.sessionsTradeAllCommand),
  ),
  'sessions stop-all': lazy(
    "stop every configured account's trading: no new orders, working ones cancelled (TradingSessionStopped)",
    () => import('./sessions.command').then((m) => m.sessionsStopAllCommand),
  ),
  status: lazy("every app's readiness and lag, accounts' equity and risk state, working parent orders", () =>
    import('./status.command').then((m) => m.statusCommand),
  ),
  app: lazy(
    "run one app's main in this process (what process supervisors launch)",
    () => import('./app.command').then((m) => m.appCommand),
    true,
  ),
};
