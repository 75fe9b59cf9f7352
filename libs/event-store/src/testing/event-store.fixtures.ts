/**
 * Event builders for the store's tests and benchmark. Ids derive from a run id, so a run
 * against a shared server (EventStoreDB) never collides with an earlier run's events.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { deriveId, EventData, EventMeta, newEvent, NewEvent } from '@keel/events';

export const META: EventMeta = {
  correlationId: 'corr-contract',
  causationId: null,
  producer: 'event-store-tests',
  occurredAt: '2024-01-01T00:00:00.000Z',
};

export const fillData = (n: number, account = 'acc-1'): EventData<'OrderFilled'> => ({
  accountId: account,
  instrument: 'BTCUSDT',
  clientOrderId: `co${n}`,
  tradeId: `t-${n}`,
  side: n % 2 === 0 ? 'buy' : 'sell',
  qty: '0.010',
  price: '42000.5',
  fee: '0.084',
  feeAsset: 'USDT',
  liquidity: 'maker',
});

/** An OrderFilled event whose id derives from (run, key). */
export const fill = (run: string, key: string | number, n = 0, account = 'acc-1'): NewEvent => {
  const e = newEvent('OrderFilled', deriveId(run, 'fill', key), fillData(n, account), META);
  if (E.isLeft(e)) throw new Error(`fixture: ${e.left.path} ${e.left.message}`);
  return e.right;
};

export const prediction = (run: string, key: string | number, value = 0.5): NewEvent => {
  const e = newEvent(
    'PredictionReceived',
    deriveId(run, 'prediction', key),
    {
      predictionId: `p-${key}`,
      modelId: 'm1',
      instrument: 'BTCUSDT',
      kind: 'signal',
      value,
      confidence: null,
      horizonSec: 60,
      ttlSec: null,
      generatedAt: '2024-01-01T00:00:00.000Z',
    },
    META,
  );
  if (E.isLeft(e)) throw new Error(`fixture: ${e.left.path} ${e.left.message}`);
  return e.right;
};

/** Run a TaskEither and return its Right, failing the test with the Left otherwise. */
export const right = async <L, A>(te: TE.TaskEither<L, A>): Promise<A> => {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got Left: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Run a TaskEither and return its Left, failing the test with the Right otherwise. */
export const left = async <L, A>(te: TE.TaskEither<L, A>): Promise<L> => {
  const r = await te();
  if (E.isRight(r)) throw new Error(`expected Left, got Right: ${JSON.stringify(r.right)}`);
  return r.left;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `cond` holds or `ms` pass. */
export const eventually = async (cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};
