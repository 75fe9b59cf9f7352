/**
 * The optimizer's settings as the runtime decodes them: the paper example when no document is
 * given, a bad value in the KEEL_CONFIG file named by its path and value, a document that
 * decodes but does not hang together (a strategy that does not exist) named by its pointer, and
 * a document given used as written (never mixed with the example).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Type } from '@sinclair/typebox';
import { resolveOptimizerConfig } from '@keel/portfolio-domain';
import { loadConfig } from '@keel/runtime';
import { documentOf, optimizerMain, OptimizerSettings, PAPER_CONFIG } from './production';

const schema = Type.Object(OptimizerSettings);
const withFile = (doc: unknown): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optimizer-config-'));
  const file = path.join(dir, 'optimizer.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
};
const decode = (options: Parameters<typeof loadConfig>[1]) => loadConfig(schema, options);

describe('the optimizer settings', () => {
  it('run the paper example when no document is given: sim-1 on BTC/USDT:USDT following ma-cross', () => {
    const decoded = decode({ env: {} });
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    const { doc, example } = documentOf(decoded.right);
    expect(example).toBe(true);
    const resolved = resolveOptimizerConfig(doc);
    expect(E.isRight(resolved) && [...resolved.right.accounts.keys()]).toEqual(['sim-1']);
    expect(E.isRight(resolved) && resolved.right.strategies.get('trend')?.models.get('ma-cross')).toBe(1);
  });

  it('refuse a bad value in the file, naming its path and the value', () => {
    const file = withFile({
      optimizer: { ...PAPER_CONFIG, accounts: { 'sim-1': { strategies: { trend: { budget: 1.5 } } } } },
    });
    const decoded = decode({ env: {}, file });
    expect(decoded).toEqual(
      E.left([
        expect.objectContaining({
          path: `${file}#/optimizer/accounts/sim-1/strategies/trend/budget`,
          value: 1.5,
        }),
      ]),
    );
  });

  it('refuse a document that does not hang together before anything opens, naming its pointer', () => {
    const optimizer = { ...PAPER_CONFIG, accounts: { 'sim-1': { strategies: { carry: { budget: 1 } } } } };
    const decoded = decode({ env: { KEEL_OPTIMIZER: JSON.stringify(optimizer) } });
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    const checked = optimizerMain.validate?.(decoded.right as never);
    expect(checked).toEqual(
      E.left(expect.objectContaining({ path: 'optimizer/accounts/sim-1/strategies/carry', value: 'carry' })),
    );
  });

  it('use a document given as written: no paper strategy or account slips in', () => {
    const optimizer = {
      strategies: { carry: { models: { m9: 2 } } },
      instruments: { 'ETH/USDT:USDT': {} },
      accounts: { 'acc-9': { strategies: { carry: { budget: 0.5 } }, leverage: 3 } },
    };
    const decoded = decode({ env: { KEEL_OPTIMIZER: JSON.stringify(optimizer) } });
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    const { doc, example } = documentOf(decoded.right);
    expect(example).toBe(false);
    const resolved = resolveOptimizerConfig(doc);
    expect(E.isRight(resolved) && [...resolved.right.accounts.keys()]).toEqual(['acc-9']);
    expect(E.isRight(resolved) && [...resolved.right.strategies.keys()]).toEqual(['carry']);
  });
});
