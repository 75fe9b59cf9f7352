import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { FundingPayment } from '@keel/venue-domain';
import {
  emptyFundingLog,
  evolveFundingLog,
  FUNDING_OVERLAP_MS,
  fundingEventId,
  fundingEvents,
  fundingSince,
} from './funding.record';
import { AccountLog, emptyAccountLog, evolveAccountLog } from './reconciliation';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-02-15T08:00:05.000Z',
};
const T0 = Date.UTC(2024, 1, 15); // 2024-02-15T00:00Z
const H8 = 8 * 3_600_000;
const pay = (over: Partial<FundingPayment> = {}): FundingPayment => ({
  symbol: 'BTC/USDT:USDT',
  fundingId: '9689322392',
  amount: new Decimal('-0.0518432'),
  asset: 'USDT',
  venueAt: T0,
  ...over,
});

let pos = 0;
const recorded = (data: EventData<'FundingPaid'>): RecordedEvent => {
  const e = newEvent('FundingPaid', deriveId('x', ++pos), data, meta);
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return {
    ...e.right,
    stream: `venue-${data.accountId}`,
    streamRevision: pos,
    globalPosition: pos,
    recordedAt: meta.occurredAt,
  } as RecordedEvent;
};

describe('fundingEvents', () => {
  it('records each payment as FundingPaid with an id derived from (account, instrument, venue funding id)', () => {
    const { events, errors } = fundingEvents('acc1', [pay()], emptyFundingLog, 0, meta);
    expect(errors).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        eventId: deriveId('FundingPaid', 'acc1', 'BTC/USDT:USDT', '9689322392'),
        type: 'FundingPaid',
        data: {
          accountId: 'acc1',
          instrument: 'BTC/USDT:USDT',
          fundingId: '9689322392',
          amount: '-0.0518432',
          asset: 'USDT',
          venueAt: '2024-02-15T00:00:00.000Z',
        },
      }),
    ]);
  });

  it('the same answer twice in one poll, or one already in the log, gives no second event', () => {
    const log = evolveFundingLog(emptyFundingLog, fundingEventId('acc1', 'BTC/USDT:USDT', '1'), T0);
    const { events } = fundingEvents(
      'acc1',
      [pay({ fundingId: '1' }), pay({ fundingId: '2' }), pay({ fundingId: '2' })],
      log,
      0,
      meta,
    );
    expect(events.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual(['2']);
  });

  it('orders oldest first and leaves out what is older than asked for', () => {
    const { events } = fundingEvents(
      'acc1',
      [
        pay({ fundingId: 'b', venueAt: T0 + H8 }),
        pay({ fundingId: 'a', venueAt: T0 }),
        pay({ fundingId: 'z', venueAt: T0 - 1 }),
      ],
      emptyFundingLog,
      T0,
      meta,
    );
    expect(events.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual(['a', 'b']);
  });

  it('a payment that does not fit the schema is not recorded; its error names the field and the value; the others are', () => {
    const { events, errors } = fundingEvents(
      'acc1',
      [
        pay({ fundingId: 'has blank' }),
        pay({ fundingId: 'ok', venueAt: T0 + 1 }),
        pay({ fundingId: 'late', venueAt: Number.NaN }),
      ],
      emptyFundingLog,
      0,
      meta,
    );
    expect(events.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual(['ok']);
    expect(errors.map((e) => [e._tag, e.path, e.value])).toEqual([
      ['ValidationError', '/data/fundingId', 'has blank'],
      ['ValidationError', '/data/venueAt', Number.NaN],
    ]);
  });
});

describe('the funding cursor (folded from FundingPaid)', () => {
  it('starts `horizonMs` back, then at the cursor minus the overlap', () => {
    expect(fundingSince(emptyFundingLog, T0, 24 * 3_600_000)).toBe(T0 - 24 * 3_600_000);
    const log = evolveFundingLog(emptyFundingLog, 'e1', T0 + H8);
    expect(fundingSince(log, T0 + H8 + 99, 24 * 3_600_000)).toBe(T0 + H8 - FUNDING_OVERLAP_MS);
  });

  it('keeps the newest venue time and only the ids within the overlap of it', () => {
    let f = evolveFundingLog(emptyFundingLog, 'e1', T0);
    f = evolveFundingLog(f, 'e2', T0 + H8);
    f = evolveFundingLog(f, 'e3', T0 + H8 - 1000); // published late, dated before the cursor
    expect(f).toEqual({ cursor: T0 + H8, recent: { e2: T0 + H8, e3: T0 + H8 - 1000 } });
  });

  it('is folded in the account log view (so a restart rebuilds it), for its own account only', () => {
    const data = {
      accountId: 'acc1',
      instrument: 'BTC/USDT:USDT',
      fundingId: '7',
      amount: '0.1',
      asset: 'USDT',
      venueAt: '2024-02-15T08:00:00.000Z',
    };
    const log: AccountLog = [
      recorded(data),
      recorded({ ...data, accountId: 'other', fundingId: '8', venueAt: '2024-02-15T16:00:00.000Z' }),
    ].reduce(evolveAccountLog, emptyAccountLog('acc1'));
    expect(log.funding).toEqual({
      cursor: T0 + H8,
      recent: { [fundingEventId('acc1', 'BTC/USDT:USDT', '7')]: T0 + H8 },
    });
    expect(log.orders).toEqual({});
  });
});
