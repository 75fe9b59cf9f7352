/**
 * `keel model ma-cross` end to end in process: the command reads the recorded BTCUSDT bars and
 * sends to a miniature intake on 127.0.0.1 (intake.spec-helpers.ts). Bad input is a usage
 * error naming the flag, and the secret appears nowhere: not in argv, not in any output.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli.io';
import { modelMaCrossCommand } from '../commands/model.command';
import { captureIo, withArg } from '../test/cli.spec-helpers';
import { MiniIntake, startMiniIntake } from './intake.spec-helpers';

const DATA = resolve(__dirname, '../../test-data'); // slices of ../shared/data/market (README there);
const BTC = resolve(DATA, 'binance-usdm-btcusdt-1m-2024-01-01T0000-600bars.csv.gz');
const ES = resolve(DATA, 'cme-es-1m-tradebars-algoseek-2013-10-06-1200rows.csv.gz');
const present = existsSync(BTC) && existsSync(ES);
if (!present) console.warn(`model.command.int.spec: skipped, the recorded bars are not in ${DATA}`);
const describeWithData = present ? describe : describe.skip;

const ENV = 'KEEL_MODEL_SECRET_SPEC';
const SECRET = 'whsec_command_spec_never_printed';
const KEY = { keyId: 'key-ma', secret: SECRET, modelId: 'ma-cross-btc' };

let intake: MiniIntake;
let good: string[];
beforeEach(async () => {
  intake = await startMiniIntake(KEY);
  process.env[ENV] = SECRET;
  good = [
    '--url',
    intake.baseUrl,
    '--key-id',
    KEY.keyId,
    '--secret-env',
    ENV,
    '--model-id',
    KEY.modelId,
    '--instrument',
    'BTC/USDT:USDT',
    '--bars',
    BTC,
    '--limit',
    '5',
    '--json',
  ];
});
afterEach(async () => {
  delete process.env[ENV];
  await intake.close();
});

/** Run the command; its exit code and everything it printed. */
const run = async (args: readonly string[]) => {
  const io = captureIo();
  const code = await modelMaCrossCommand.run(args, io);
  return { code, io, printed: JSON.stringify([io.results, io.progressLines]) };
};

/** The usage error `args` give (the command must throw one). */
const usageError = async (args: readonly string[]): Promise<UsageError> => {
  try {
    await modelMaCrossCommand.run(args, captureIo());
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
};

describeWithData('keel model ma-cross', () => {
  it('sends the first --limit signals, the last one as of now, and prints a summary', async () => {
    const { code, io, printed } = await run(good);

    expect(code).toBe(0);
    expect(io.results).toHaveLength(1);
    expect(io.results[0]).toMatchObject({
      modelId: KEY.modelId,
      instrument: 'BTC/USDT:USDT',
      signals: 5,
      sent: 5,
      replayed: 0,
      refused: 0,
      fast: 20,
      slow: 60,
      horizonSec: 3600,
    });
    expect(intake.recorded).toHaveLength(5);
    const last = Date.parse(intake.recorded.at(-1)?.asOf ?? '');
    expect(Date.now() - last).toBeGreaterThanOrEqual(0);
    expect(Date.now() - last).toBeLessThan(5_000);
    // The default ttl keeps the first alive for a horizon after now.
    const first = Date.parse(intake.recorded[0]?.asOf ?? '');
    expect(intake.recorded[0]?.ttl).toBe(3600 + (last - first) / 1000);
    expect(printed).not.toContain(SECRET);
  });

  it('exits 1 and says why when the intake refuses the key', async () => {
    const { code, io, printed } = await run(withArg(good, 'key-id', 'someone-else'));

    expect(code).toBe(1);
    expect(io.results[0]).toMatchObject({ sent: 0, refused: 1, stopped: { code: 'unauthenticated' } });
    expect(printed).not.toContain(SECRET);
  });

  it('reads one contract of a multi-contract file with --contract, and refuses to guess without it', async () => {
    const es = withArg(withArg(good, 'bars', ES), 'instrument', 'CME:ES');
    await expect(usageError(es)).resolves.toThrow(/--bars: .*holds several contracts side by side/);
    const { code, io } = await run([...es, '--contract', 'ESZ13']);
    expect(code).toBe(0);
    expect(io.results[0]).toMatchObject({ instrument: 'CME:ES', sent: 5 });
  });
});

describe('keel model ma-cross: bad input', () => {
  it('refuses a secret on the command line without echoing it', async () => {
    for (const args of [
      [...good, '--secret', 'hunter2-secret'],
      [...good, '--secret=hunter2-secret'],
    ]) {
      const e = await usageError(args);
      expect(e.message).toMatch(/^--secret is not accepted: the secret is never taken from the command line/);
      expect(e.message).not.toContain('hunter2');
    }
  });

  it('needs the secret in the named environment variable', async () => {
    delete process.env[ENV];
    const e = await usageError(good);
    expect(e.message).toBe(`the environment variable ${ENV} (named by --secret-env) is not set`);
  });

  it.each([
    ['a slow window not longer than the fast one', 'slow', '20', /--slow must be more than --fast \(20\)/],
    ['a fast window of 0', 'fast', '0', /--fast must be an integer ≥ 1 \(got "0"\)/],
    ['a limit that is not a number', 'limit', 'many', /--limit must be an integer ≥ 1 \(got "many"\)/],
    ['a bars file that is not there', 'bars', '/nowhere/bars.csv.gz', /--bars: cannot read "\/nowhere/],
    ['a url that is not one', 'url', 'localhost:8090', /--url: baseUrl must be http or https/],
  ])('refuses %s, naming the flag', async (_, flag, value, message) => {
    await expect(usageError(withArg(good, flag, value))).resolves.toThrow(message);
  });

  it('needs the key, the model, the instrument and the bars', async () => {
    for (const flag of ['key-id', 'model-id', 'instrument', 'bars']) {
      const i = good.indexOf(`--${flag}`);
      const without = [...good.slice(0, i), ...good.slice(i + 2)];
      await expect(usageError(without)).resolves.toThrow(`--${flag} is required`);
    }
  });
});
