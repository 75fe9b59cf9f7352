/**
 * What the venue engine's integration specs share: a fresh embedded SQLite store per test (in a
 * temp dir, removed after), where the recorded Binance USD-M BTCUSDT minute (top of book and
 * trades) the simulator replays is, and `ok` to unwrap an Either or fail with its Left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, NewEvent } from '@keel/events';
import { openSqliteEventStore, TestableEventStore } from '@keel/event-store';

export const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

/** Registers beforeEach/afterEach: `store()` is that test's store. */
export const sqliteStorePerTest = (prefix: string): { store(): TestableEventStore } => {
  let dir = '';
  let store: TestableEventStore | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    store = ok(openSqliteEventStore({ path: path.join(dir, 'keel.sqlite') }));
  });
  afterEach(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    store: () => {
      if (!store) throw new Error('sqliteStorePerTest: no store outside a test');
      return store;
    },
  };
};

const SIM_TEST_DATA = path.resolve(__dirname, '../../../sim/test-data');

/** One recorded minute of Binance USD-M BTCUSDT, 2024-07-18 23:58, for `loadMarket` (libs/venue/sim/test-data/README.md). */
export const RECORDED_BTC_MINUTE = {
  quotes: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
  trades: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
} as const;

/** Events as an earlier run recorded them: ids derived from `tag` and each one's name, all at `at`. */
export const recordedBy = (
  tag: string,
  at: number,
): (<T extends EventType>(type: T, id: string, data: EventData<T>) => NewEvent) => {
  const meta = {
    correlationId: 'c',
    causationId: null,
    producer: 'gateway',
    occurredAt: new Date(at).toISOString(),
  };
  return (type, id, data) => ok(newEvent(type, deriveId(tag, id), data, meta)) as NewEvent;
};

/** A child order request of parent `p` as execution writes it: a market buy unless told otherwise. */
export const childOrderRequest = (
  o: Pick<EventData<'ChildOrderRequested'>, 'accountId' | 'instrument' | 'clientOrderId'> &
    Partial<EventData<'ChildOrderRequested'>>,
): EventData<'ChildOrderRequested'> => ({
  parentOrderId: 'p',
  side: 'buy',
  qty: '0.01',
  orderType: 'market',
  limitPrice: null,
  postOnly: false,
  reduceOnly: false,
  validUntil: null,
  seq: 0,
  kind: 'taker',
  reason: 'slice',
  ...o,
});
