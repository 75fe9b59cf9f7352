/**
 * The optimizer's settings as the runtime decodes them: the paper defaults resolve, a bad
 * value in the KEEL_CONFIG file stops the app naming the key and the value, and a document
 * that decodes but does not hang together (a strategy that does not exist) names its pointer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Type } from '@sinclair/typebox';
import { resolveOptimizerConfig } from '@keel/portfolio-domain';
import { loadConfig } from '@keel/runtime';
import { documentOf, OptimizerSettings, PAPER_CONFIG } from './production';

const schema = Type.Object(OptimizerSettings);
const withFile = (doc: unknown): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optimizer-config-'));
  const file = path.join(dir, 'optimizer.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
};

describe('the optimizer settings', () => {
  it('run the paper session by default: sim-1 on BTC/USDT:USDT following ma-cross', () => {
    const decoded = loadConfig(schema, { env: {} });
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    const { doc, example } = documentOf(decoded.right);
    expect(example).toBe(true);
    const resolved = resolveOptimizerConfig(doc);
    expect(E.isRight(resolved) && [...resolved.right.accounts.keys()]).toEqual(['sim-1']);
  });

  it('refuse a bad value in the file, naming the key and the value', () => {
    const file = withFile({
      ...PAPER_CONFIG,
      accounts: { 'sim-1': { strategies: { trend: { budget: 1.5 } } } },
    });
    const decoded = loadConfig(schema, { env: {}, file });
    expect(E.isLeft(decoded)).toBe(true);
    const [err] = E.isLeft(decoded) ? decoded.left : [];
    expect(err?.path).toContain('accounts');
    expect(JSON.stringify(err)).toContain('1.5');
  });

  it('refuse a document that does not hang together, naming its JSON pointer', () => {
    const bad = resolveOptimizerConfig({
      ...PAPER_CONFIG,
      accounts: { 'sim-1': { strategies: { carry: { budget: 1 } } } },
    });
    expect(bad).toEqual(
      E.left(
        expect.objectContaining({ path: 'KEEL_CONFIG/accounts/sim-1/strategies/carry', value: 'carry' }),
      ),
    );
  });

  it('take the document from the environment too (JSON in KEEL_ACCOUNTS)', () => {
    const accounts = { 'acc-9': { strategies: { trend: { budget: 0.5 } }, leverage: 3 } };
    const decoded = loadConfig(schema, { env: { KEEL_ACCOUNTS: JSON.stringify(accounts) } });
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    expect(decoded.right.accounts).toEqual(accounts);
    // A document given is used as written: no paper strategy slips in.
    const { doc, example } = documentOf(decoded.right);
    expect(example).toBe(false);
    expect(resolveOptimizerConfig(doc)).toEqual(
      E.left(
        expect.objectContaining({ path: 'KEEL_CONFIG/strategies', message: 'Expected required property' }),
      ),
    );
  });
});
