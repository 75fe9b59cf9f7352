import Decimal from 'decimal.js';
import type { RecordedEvent } from '@keel/events';
import type { Fill, Position } from '@keel/venue-domain';
import { costInvariant, CostSample, costTrends, SoakFacts, soakInvariants } from './soak.invariants';
import { parseCost } from './soak.chaos';

const A = 'soak-1';
const I = 'BTC/USDT:USDT';
let position = 0;
const ev = (type: string, data: Record<string, unknown>): RecordedEvent =>
  ({
    type,
    data: { accountId: A, instrument: I, ...data },
    globalPosition: ++position,
  }) as unknown as RecordedEvent;
const fill = (tradeId: string, clientOrderId: string, side: 'buy' | 'sell', qty: string): Fill =>
  ({ tradeId, clientOrderId, side, qty: new Decimal(qty), symbol: I }) as unknown as Fill;

/** One parent, two children (one filled twice, one rejected), a report after the fills: every invariant holds. */
const good = (): SoakFacts => {
  position = 0;
  const events = [
    ev('TargetPositionSet', { targetQty: '0.3' }),
    ev('ParentOrderStarted', { targetId: 't1', parentOrderId: 'p1' }),
    ev('ChildOrderRequested', { clientOrderId: 'c1' }),
    ev('OrderAccepted', { clientOrderId: 'c1' }),
    ev('ChildOrderRequested', { clientOrderId: 'c2' }),
    ev('OrderRejected', { clientOrderId: 'c2' }),
    ev('OrderFilled', { clientOrderId: 'c1', tradeId: 'x1', side: 'buy', qty: '0.1' }),
    ev('OrderFilled', { clientOrderId: 'c1', tradeId: 'x2', side: 'buy', qty: '0.2' }),
    ev('ChildOrderFilled', { clientOrderId: 'c1', tradeId: 'x1' }),
    ev('ChildOrderFilled', { clientOrderId: 'c1', tradeId: 'x2' }),
    ev('PositionReported', { positions: [{ instrument: I, qty: '0.3' }] }),
  ];
  return {
    events,
    account: A,
    instrument: I,
    venue: {
      applied: new Map([['c1', 1]]),
      fills: [fill('x1', 'c1', 'buy', '0.1'), fill('x2', 'c1', 'buy', '0.2')],
      positions: [{ symbol: I, qty: new Decimal('0.3'), entryPrice: null } as Position],
    },
    busPositions: events.map((e) => e.globalPosition),
    deadLetters: { gateway: 0, execution: 0 },
    lastTarget: { id: 't1', qty: '0.3' },
    crashes: { relay: 0, gateway: 0, execution: 0 },
  };
};

const failing = (f: SoakFacts): string[] =>
  soakInvariants(f)
    .filter((i) => !i.pass)
    .map((i) => i.name);

describe('soak invariants', () => {
  it('all hold for a consistent run', () => {
    expect(failing(good())).toEqual([]);
  });

  it('catch an order applied twice at the venue, and a child requested twice', () => {
    const f = good();
    expect(failing({ ...f, venue: { ...f.venue, applied: new Map([['c1', 2]]) } })).toEqual([
      'no order placed twice at the venue',
    ]);
    expect(
      failing({ ...f, events: [...f.events, ev('ChildOrderRequested', { clientOrderId: 'c1' })] }),
    ).toContain('no child order requested twice');
  });

  it('catch an event missing from the bus, one published twice, out of order, or past the head', () => {
    const f = good();
    const name = 'every stored event went out on the bus once, in order';
    const b = f.busPositions;
    expect(failing({ ...f, busPositions: b.slice(0, -1) })).toEqual([name]);
    expect(failing({ ...f, busPositions: [...b, b[b.length - 1]!] })).toEqual([name]);
    expect(failing({ ...f, busPositions: [b[1]!, b[0]!, ...b.slice(2)] })).toEqual([name]);
    expect(failing({ ...f, busPositions: [...b, 99] })).toEqual([name]);
  });

  it('catch a dead letter, an unanswered command, an unrecorded or doubled fill, a fill execution never saw', () => {
    const f = good();
    expect(failing({ ...f, deadLetters: { gateway: 1, execution: 0 } })).toEqual(['nothing dead-lettered']);
    expect(failing({ ...f, events: f.events.filter((e) => e.type !== 'OrderRejected') })).toEqual([
      'every child order answered by the gateway',
    ]);
    const noX2 = f.events.filter((e) => !(e.type === 'OrderFilled' && e.data.tradeId === 'x2'));
    expect(failing({ ...f, events: noX2 })).toEqual(
      expect.arrayContaining([
        'every venue fill recorded once',
        'position = Σ fills (venue, store, last report)',
      ]),
    );
    const noChildFill = f.events.filter((e) => !(e.type === 'ChildOrderFilled' && e.data.tradeId === 'x2'));
    expect(failing({ ...f, events: noChildFill })).toEqual([
      'every fill of a child order reached execution once',
    ]);
  });

  it('catch a position that is not Σ fills, a last target not reached or not taken up, and a crash', () => {
    const f = good();
    expect(
      failing({
        ...f,
        venue: { ...f.venue, positions: [{ symbol: I, qty: new Decimal('0.2'), entryPrice: null }] },
      }),
    ).toEqual(['position = Σ fills (venue, store, last report)', 'the account holds the last target']);
    expect(failing({ ...f, lastTarget: { id: 't1', qty: '0.5' } })).toEqual([
      'the account holds the last target',
    ]);
    expect(failing({ ...f, lastTarget: { id: 't2', qty: '0.3' } })).toEqual(['the last target was taken up']);
    expect(failing({ ...f, crashes: { gateway: 1 } })).toEqual(['no app exited on its own']);
  });

  it('judge cost by the second half of the run against the first, per app and figure, on enough samples', () => {
    const sample = (at: number, heapMb: number, cpuToReadyMs: number): CostSample => ({
      app: 'gateway',
      at,
      heapBytes: heapMb * 1e6,
      cpuPerEventSec: 0.0002,
      cpuToReadySec: cpuToReadyMs / 1e3,
      // Wall time to ready grows here, but it is only reported: it waits on the venue.
      readyMs: at * 100,
    });
    const early = [10, 20, 30].map((at) => sample(at, 70, 800));
    const flat = costTrends([...early, ...[60, 70, 80].map((at) => sample(at, 75, 900))], 100);
    expect(flat.find((t) => t.figure === 'heap MB')?.ratio).toBeCloseTo(75 / 70);
    expect(flat.find((t) => t.figure === 'wall ms to ready')).toMatchObject({ judged: false });
    expect(costInvariant(flat).pass).toBe(true);
    const growing = costInvariant(
      costTrends([...early, ...[60, 70, 80].map((at) => sample(at, 75, 2_500))], 100),
    );
    expect(growing.pass).toBe(false);
    expect(growing.detail).toContain('gateway CPU ms to ready lowest 800.0 → 2500.0');
    // Two samples in the second half: shown, not judged; nothing judged is no pass.
    const few = costTrends([...early, ...[60, 70].map((at) => sample(at, 500, 9_000))], 100);
    expect(few.every((t) => !t.judged)).toBe(true);
    expect(costInvariant(few).pass).toBe(false);
  });

  it('judges CPU by the best start of each half: load raises some starts, refolded history raises every one', () => {
    const sample = (at: number, cpuToReadyMs: number): CostSample => ({
      app: 'relay',
      at,
      heapBytes: 50e6,
      cpuPerEventSec: null,
      cpuToReadySec: cpuToReadyMs / 1e3,
      readyMs: 500,
    });
    const early = [10, 20, 30, 40].map((at) => sample(at, 100));
    const judge = (late: readonly number[]) =>
      costInvariant(costTrends([...early, ...late.map((ms, i) => sample(60 + i * 10, ms))], 100));
    // Two of four starts of the second half beside a busy neighbour: the median doubles, the best does not.
    expect(judge([240, 230, 105, 110]).pass).toBe(true);
    // Every start folds more: the best start grows too.
    const grew = judge([240, 230, 250, 260]);
    expect(grew.pass).toBe(false);
    expect(grew.detail).toContain('relay CPU ms to ready lowest 100.0 → 230.0 (×2.30)');
    // Heap is judged by its median: one high sample is not growth, most of them are.
    const heap = (late: readonly number[]) =>
      costTrends(
        [...early, ...late.map((mb, i) => ({ ...sample(60 + i * 10, 100), heapBytes: mb * 1e6 }))],
        100,
      ).find((t) => t.figure === 'heap MB');
    expect(heap([50, 50, 150, 50])).toMatchObject({ stat: 'median', ratio: 1 });
    expect(heap([150, 150, 150, 50])?.ratio).toBe(3);
  });

  it('reads heap, CPU and events from Prometheus text', () => {
    const text = [
      '# HELP process_cpu_seconds_total x',
      'process_cpu_seconds_total{app="relay"} 1.25',
      'nodejs_heap_size_used_bytes{app="relay"} 26000000',
      'events_applied_total{event_type="A",app="relay"} 3',
      'events_published_total{event_type="B",app="relay"} 40',
    ].join('\n');
    expect(parseCost(text)).toEqual({ heapBytes: 26e6, cpuSec: 1.25, events: 43 });
    expect(parseCost('process_cpu_seconds_total 1')).toBeNull();
  });
});
