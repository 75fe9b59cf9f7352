/**
 * `keel model ma-cross`: run the example MA-crossover model (tools/keel/src/model) over
 * recorded 1-minute bars and send its signals to prediction-ingest.
 *
 *   model ma-cross --key-id K --model-id M --instrument BTC/USDT:USDT --bars <file.csv.gz>
 *                  [--url http://127.0.0.1:8090] [--secret-env KEEL_MODEL_SECRET]
 *                  [--fast 20] [--slow 60] [--limit N] [--horizon 3600] [--ttl S]
 *                  [--contract ESZ13] [--json]
 *
 * The secret is read from the environment variable named by --secret-env (default
 * KEEL_MODEL_SECRET), never from the command line, where it would sit in the shell's history
 * and in every process listing; any `--secret…` flag is refused without echoing it.
 *
 * The signals (the first --limit of them, or all) are computed first, then sent back to back
 * with their times shifted so that the last one's `asOf` is now: recorded bars are in the past,
 * and the intake refuses a prediction whose `asOf + ttl` has passed. The ttl defaults to
 * horizon + the span of the signals sent, so the oldest is still alive when it arrives (see
 * catchUpTiming). A prediction refused for its own content (stale, invalid, conflicting) is
 * counted and the run goes on; any other refusal, or no answer after the client's retries,
 * stops the run (exit 1). The summary (JSON with --json) counts sent, replayed and refused.
 */
import { access, constants } from 'node:fs/promises';
import { createPredictionClient, PredictionClient } from '@keel/prediction-client';
import { intFlag, parseFlags, UsageError } from '../cli.io';
import { initialMaCrossState, MaCrossState, resolveMaCrossOptions, stepMaCross } from '../model/ma-cross';
import { catchUpTiming, MaCrossRun, runMaCrossModel } from '../model/ma-cross.producer';
import { BarFileError, MinuteBar, readMinuteBars } from '../model/minute-bars';
import type { Command, OptionSpecs } from './command';

const DEFAULT_URL = 'http://127.0.0.1:8090';
const DEFAULT_SECRET_ENV = 'KEEL_MODEL_SECRET';
const PROGRESS_EVERY = 500;

const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
};

/** A secret on the command line is refused by name only: its value must not reach any output. */
const refuseSecretFlags = (args: readonly string[]): void => {
  const flag = args.find((a) => /^--secret(?!-env(=|$))/.test(a));
  if (flag !== undefined)
    throw new UsageError(
      `${flag.split('=')[0]} is not accepted: the secret is never taken from the command line; put it in an environment variable and name that with --secret-env (default ${DEFAULT_SECRET_ENV})`,
    );
};

/**
 * The bars to run over: from the start of the file to the bar of the `limit`-th signal (or to
 * the end), with the times of the first and last signal among them.
 */
const barsUpToLimit = async (
  file: string,
  contract: string | undefined,
  signalOptions: ReturnType<typeof resolveMaCrossOptions>,
  limit: number,
): Promise<{ readonly bars: readonly MinuteBar[]; readonly firstT?: number; readonly lastT?: number }> => {
  const bars: MinuteBar[] = [];
  let state: MaCrossState = initialMaCrossState;
  let signals = 0;
  let firstT: number | undefined;
  let lastT: number | undefined;
  for await (const bar of readMinuteBars(file, contract === undefined ? {} : { contract })) {
    bars.push(bar);
    const step = stepMaCross(state, bar, signalOptions);
    state = step.state;
    if (step.signal === undefined) continue;
    firstT ??= step.signal.t;
    lastT = step.signal.t;
    if (++signals >= limit) break;
  }
  return firstT === undefined || lastT === undefined ? { bars } : { bars, firstT, lastT };
};

/** The client; a bad --url is a usage error (the client's checks never echo the secret). */
const clientOf = (baseUrl: string, keyId: string, secret: string): PredictionClient => {
  try {
    return createPredictionClient({ baseUrl, keyId, secret });
  } catch (e) {
    throw new UsageError(`--url: ${(e as Error).message}`);
  }
};

const human = (s: MaCrossRun & { readonly modelId: string; readonly instrument: string }): string =>
  [
    `${s.modelId} on ${s.instrument}: ${s.bars} bars, ${s.signals} signals; sent ${s.sent} (${s.replayed} replayed), refused ${s.refused}`,
    ...Object.entries(s.refusedByCode).map(([code, n]) => `  refused ${code}: ${n}`),
    ...(s.firstAsOf === undefined ? [] : [`  asOf ${s.firstAsOf} → ${s.lastAsOf ?? ''}`]),
    ...(s.stopped === undefined ? [] : [`  stopped: ${s.stopped.message}`]),
  ].join('\n');

const OPTIONS = {
  url: {
    type: 'string',
    valueName: 'url',
    description: 'prediction-ingest base URL',
    defaultText: 'http://127.0.0.1:8090',
  },
  'key-id': { type: 'string', valueName: 'id', description: 'signing key id (required)' },
  'secret-env': {
    type: 'string',
    valueName: 'name',
    description: "environment variable holding the key's secret (never a flag)",
    defaultText: 'KEEL_MODEL_SECRET',
  },
  'model-id': { type: 'string', valueName: 'id', description: 'model id the predictions carry (required)' },
  instrument: {
    type: 'string',
    valueName: 'symbol',
    description: 'instrument, e.g. BTC/USDT:USDT (required)',
  },
  bars: {
    type: 'string',
    valueName: 'file',
    description: 'recorded 1-minute bars, .csv or .csv.gz (required)',
  },
  contract: {
    type: 'string',
    valueName: 'code',
    description: 'CME contract code the bars are of, e.g. ESZ13',
  },
  fast: { type: 'string', valueName: 'n', description: 'fast moving average, in bars', defaultText: '20' },
  slow: {
    type: 'string',
    valueName: 'n',
    description: 'slow moving average, in bars (more than --fast)',
    defaultText: '60',
  },
  limit: { type: 'string', valueName: 'n', description: 'send only the first N signals', defaultText: 'all' },
  horizon: {
    type: 'string',
    valueName: 's',
    description: 'prediction horizon, seconds',
    defaultText: '3600',
  },
  ttl: {
    type: 'string',
    valueName: 's',
    description: 'prediction time to live, seconds',
    defaultText: 'horizon + the span of the signals sent',
  },
} as const satisfies OptionSpecs;

export const modelMaCrossCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    refuseSecretFlags(args);
    const flags = parseFlags(args, OPTIONS);
    const keyId = required('key-id', flags['key-id']);
    const modelId = required('model-id', flags['model-id']);
    const instrument = required('instrument', flags.instrument);
    const file = required('bars', flags.bars);
    const fast = intFlag('fast', flags.fast, 20);
    const slow = intFlag('slow', flags.slow, 60);
    if (slow <= fast)
      throw new UsageError(`--slow must be more than --fast (${fast}) (got ${JSON.stringify(flags.slow)})`);
    const limit = intFlag('limit', flags.limit, Number.MAX_SAFE_INTEGER);
    const horizonSec = intFlag('horizon', flags.horizon, 3600);
    const ttlFlag = flags.ttl === undefined ? undefined : intFlag('ttl', flags.ttl, 1);
    const secretEnv = flags['secret-env'] ?? DEFAULT_SECRET_ENV;
    const secret = process.env[secretEnv];
    if (secret === undefined || secret === '')
      throw new UsageError(`the environment variable ${secretEnv} (named by --secret-env) is not set`);

    const client = clientOf(flags.url ?? DEFAULT_URL, keyId, secret);

    try {
      await access(file, constants.R_OK);
    } catch (e) {
      throw new UsageError(`--bars: cannot read ${JSON.stringify(file)} (${(e as Error).message})`);
    }
    const signalOptions = resolveMaCrossOptions({ fast, slow });
    let window: Awaited<ReturnType<typeof barsUpToLimit>>;
    try {
      window = await barsUpToLimit(file, flags.contract, signalOptions, limit);
    } catch (e) {
      if (e instanceof BarFileError) throw new UsageError(`--bars: ${e.message}`);
      throw e;
    }
    const { firstT, lastT } = window;
    const timing =
      firstT === undefined || lastT === undefined
        ? { shiftMs: 0, ttlSec: ttlFlag ?? horizonSec }
        : catchUpTiming(firstT, lastT, Date.now(), horizonSec, ttlFlag);
    io.progress(
      `model ma-cross: ${window.bars.length} bars of ${file}; sending to ${client.url} as ${modelId} (key ${keyId}), shift ${timing.shiftMs} ms, ttl ${timing.ttlSec} s`,
    );

    const run = await runMaCrossModel({
      client,
      modelId,
      instrument,
      bars: window.bars,
      fast,
      slow,
      horizonSec,
      ttlSec: timing.ttlSec,
      pace: 'asFastAsPossible',
      shiftMs: timing.shiftMs,
      limit,
      onProgress: (r) => {
        if (r.signals % PROGRESS_EVERY === 0)
          io.progress(`  ${r.signals} signals: sent ${r.sent}, replayed ${r.replayed}, refused ${r.refused}`);
      },
    });
    const summary = {
      modelId,
      instrument,
      url: client.url,
      file,
      fast,
      slow,
      horizonSec,
      ttlSec: timing.ttlSec,
      shiftMs: timing.shiftMs,
      ...run,
    };
    io.result(summary, () => human(summary));
    return run.stopped === undefined ? 0 : 1;
  },
};
