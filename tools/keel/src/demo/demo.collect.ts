/**
 * What the paper session shows and reports, folded from the event log: the `keel demo` process
 * tails the store read-only (as any projection would) and keeps counts, the latest state per
 * account and instrument, and down-sampled series for the report. Nothing here is asked of an
 * app: the log is the record.
 *
 * Memory stays bounded: a series keeps a point only when it is at least `spacingMs` after the
 * point two back (otherwise it replaces the last one), so at most two points per `spacingMs`
 * and always the latest; per-order state is kept only for parent orders (what the report
 * tabulates). The positions of physically settled contracts are kept exactly, fill by fill
 * (`physicalPositions`): the delivery invariant must see every instant, not a thinned series.
 */
import Decimal from 'decimal.js';
import { RecordedEvent } from '@keel/events';
import type { DemoAccount, DemoParentOrder, DemoPositionSeries, Point } from './demo.record';

type Data = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const dec = (v: unknown): Decimal => new Decimal(typeof v === 'string' || typeof v === 'number' ? v : 0);

/** A thinned series: at most two points per `spacingMs`, and always the latest (see the file comment). */
export class Series {
  readonly points: [number, string][] = [];
  constructor(private readonly spacingMs: number) {}
  add(t: number, v: string): void {
    const last = this.points[this.points.length - 1];
    if (last && last[1] === v) return;
    const prev = this.points[this.points.length - 2];
    if (last && prev && t - prev[0] < this.spacingMs) {
      last[0] = t;
      last[1] = v;
    } else this.points.push([t, v]);
  }
  get last(): string | undefined {
    return this.points[this.points.length - 1]?.[1];
  }
}

interface ParentState {
  id: string;
  account: string;
  instrument: string;
  side: 'buy' | 'sell';
  qty: Decimal;
  filled: Decimal;
  notional: Decimal;
  makerQty: Decimal;
  fees: Decimal;
  children: number;
  state: string;
  startedAt: number;
  endedAt: number | null;
  arrival: Decimal | null;
  targetPosition: Decimal;
  residual: Decimal | null;
  reasonNote: string | null;
}

export interface Fact {
  readonly at: number;
  readonly position: number;
  readonly type: string;
  readonly detail: string;
}

const key = (account: string, instrument: string): string => `${account}\u0000${instrument}`;
const unkey = (k: string): [string, string] => k.split('\u0000') as [string, string];

export class DemoCollector {
  position = 0;
  predictions = 0;
  targets = 0;
  withheld = 0;
  childOrders = 0;
  fills = 0;
  makerNotional = new Decimal(0);
  fillNotional = new Decimal(0);
  readonly fees = new Map<string, Decimal>();
  readonly parents = new Map<string, ParentState>();
  readonly working = new Set<string>();
  /** Latest target per (account, instrument): TargetPositionSet, and ContractTargetSet per CME contract. */
  readonly lastTarget = new Map<string, { qty: Decimal; at: number; position: number; eventId: string }>();
  readonly targetSeries = new Map<string, Series>();
  /** Σ signed fills per (account, instrument), from the gateways' OrderFilled. */
  readonly filledPosition = new Map<string, Decimal>();
  readonly positionSeries = new Map<string, Series>();
  /** Every position (after each fill) in a physically settled contract, unthinned. */
  readonly physicalPositions = new Map<string, [number, string][]>();
  /** OrderFilled trade ids per account, with how many times each was recorded. */
  readonly tradeIds = new Map<string, Map<string, number>>();
  readonly equity = new Map<string, { series: Series; currency: string; last: Decimal | null }>();
  readonly pnl = new Map<string, Map<string, Data>>();
  readonly pnlSeries = new Map<string, Series>();
  readonly risk = new Map<string, string>();
  /** The last positions each account's gateway reported, with the log position of the report. */
  readonly reported = new Map<string, { position: number; positions: Map<string, Decimal> }>();
  readonly lastFillAt = new Map<string, number>();
  /** Facts that explain a target not reached: withheld, paused, rejected, risk. */
  readonly explanations = new Map<string, Fact[]>();
  /** Instruments as the gateways listed them, by (account, symbol): one symbol differs per venue (OKX contracts). */
  readonly instruments = new Map<
    string,
    { settlement: string | null; expiry: string | null; contractSize: string; lotSize: string }
  >();
  lastAt = 0;
  /** Parent orders that completed as filled whose position (Σ fills then) was not their target. */
  readonly missedTargets: {
    at: number;
    account: string;
    instrument: string;
    position: string;
    target: string;
  }[] = [];
  /** Parent orders that completed as filled. */
  filledParents = 0;
  /** Rolls completed (RollCompleted), in log order. */
  readonly rolls: { at: number; account: string; from: string; to: string }[] = [];
  /** When each child order of each account was requested (session clock). */
  readonly childRequestedAt = new Map<string, number[]>();

  constructor(private readonly spacingMs: number) {}

  private series(map: Map<string, Series>, k: string): Series {
    let s = map.get(k);
    if (!s) map.set(k, (s = new Series(this.spacingMs)));
    return s;
  }

  private explain(k: string, f: Fact): void {
    const list = this.explanations.get(k) ?? [];
    list.push(f);
    if (list.length > 50) list.shift();
    this.explanations.set(k, list);
  }

  apply(e: RecordedEvent): void {
    this.position = e.globalPosition;
    const at = Date.parse(e.occurredAt);
    this.lastAt = Math.max(this.lastAt, at);
    const d = e.data as unknown as Data;
    // Only some types matter here (as a string: the rest fall through to `default`).
    switch (e.type as string) {
      case 'PredictionReceived':
        this.predictions++;
        return;
      case 'TargetPositionSet':
      case 'ContractTargetSet': {
        if (e.type === 'TargetPositionSet') this.targets++;
        const k = key(str(d['accountId']), str(d['instrument']));
        const qty = dec(d['targetQty']);
        this.lastTarget.set(k, { qty, at, position: e.globalPosition, eventId: e.eventId });
        this.series(this.targetSeries, k).add(at, qty.toString());
        return;
      }
      case 'TargetWithheld': {
        this.withheld++;
        const detail = `${str(d['code'])}: ${str(d['detail'])}`;
        const accounts =
          d['accountId'] === null ? this.accountsTrading(str(d['instrument'])) : [str(d['accountId'])];
        for (const a of accounts)
          this.explain(key(a, str(d['instrument'])), {
            at,
            position: e.globalPosition,
            type: e.type,
            detail,
          });
        return;
      }
      case 'KillSwitchEngaged':
      case 'TradingSessionStopped': {
        // Held by the operator: every (account, instrument) the scope covers.
        const scoped = d['accountId'] === null || d['accountId'] === undefined ? null : str(d['accountId']);
        const detail = `${e.type}: ${str(d['reason'])}`;
        for (const [a, i] of this.keys())
          if (scoped === null || scoped === a)
            this.explain(key(a, i), { at, position: e.globalPosition, type: e.type, detail });
        return;
      }
      case 'RiskStateChanged': {
        if (d['accountId'] !== null) this.risk.set(str(d['accountId']), str(d['to']));
        else for (const a of this.equity.keys()) this.risk.set(a, str(d['to']));
        return;
      }
      case 'ParentOrderStarted': {
        const id = str(d['parentOrderId']);
        this.parents.set(id, {
          id,
          account: str(d['accountId']),
          instrument: str(d['instrument']),
          side: d['side'] === 'sell' ? 'sell' : 'buy',
          qty: dec(d['qty']),
          filled: new Decimal(0),
          notional: new Decimal(0),
          makerQty: new Decimal(0),
          fees: new Decimal(0),
          children: 0,
          state: 'working',
          startedAt: at,
          endedAt: null,
          arrival: d['arrivalMid'] === null ? null : dec(d['arrivalMid']),
          targetPosition: dec(d['targetPosition']),
          residual: null,
          reasonNote: null,
        });
        this.working.add(id);
        return;
      }
      case 'ParentOrderRejected': {
        const k = key(str(d['accountId']), str(d['instrument']));
        this.explain(k, { at, position: e.globalPosition, type: e.type, detail: str(d['reason']) });
        return;
      }
      case 'ParentOrderPaused':
      case 'ParentOrderResumed': {
        const p = this.parents.get(str(d['parentOrderId']));
        if (p) p.state = e.type === 'ParentOrderPaused' ? `paused (${str(d['reason'])})` : 'working';
        const k = key(str(d['accountId']), str(d['instrument']));
        this.explain(k, { at, position: e.globalPosition, type: e.type, detail: str(d['reason']) });
        return;
      }
      case 'ParentOrderSuperseded':
      case 'ParentOrderCompleted': {
        const p = this.parents.get(str(d['parentOrderId']));
        if (!p) return;
        p.state = e.type === 'ParentOrderSuperseded' ? 'superseded' : str(d['reason']);
        p.endedAt = at;
        if (e.type === 'ParentOrderCompleted') {
          p.residual = dec(d['residual']);
          if (d['reason'] === 'filled') {
            this.filledParents++;
            const position = this.positionOf(p.account, p.instrument);
            // Filled means within the lot/min-notional remainder of its target.
            if (position.minus(p.targetPosition).abs().gt(p.residual))
              this.missedTargets.push({
                at,
                account: p.account,
                instrument: p.instrument,
                position: position.toString(),
                target: p.targetPosition.toString(),
              });
          }
          const k = key(p.account, p.instrument);
          if (d['reason'] !== 'filled')
            this.explain(k, {
              at,
              position: e.globalPosition,
              type: e.type,
              detail: `${str(d['reason'])}, residual ${str(d['residual'])}`,
            });
        }
        this.working.delete(p.id);
        return;
      }
      case 'RollCompleted':
        this.rolls.push({
          at,
          account: str(d['accountId']),
          from: str(d['fromContract']),
          to: str(d['toContract']),
        });
        return;
      case 'ChildOrderRequested': {
        this.childOrders++;
        const times = this.childRequestedAt.get(str(d['accountId'])) ?? [];
        times.push(at);
        this.childRequestedAt.set(str(d['accountId']), times);
        const p = this.parents.get(str(d['parentOrderId']));
        if (p) p.children++;
        return;
      }
      case 'ChildOrderFilled': {
        const p = this.parents.get(str(d['parentOrderId']));
        if (!p) return;
        const q = dec(d['qty']);
        p.filled = p.filled.plus(q);
        p.notional = p.notional.plus(q.times(dec(d['price'])));
        if (d['liquidity'] === 'maker') p.makerQty = p.makerQty.plus(q);
        p.fees = p.fees.plus(dec(d['fee']));
        return;
      }
      case 'OrderFilled': {
        this.fills++;
        const account = str(d['accountId']);
        const instrument = str(d['instrument']);
        const k = key(account, instrument);
        const q = dec(d['qty']);
        const signed = d['side'] === 'sell' ? q.neg() : q;
        const pos = (this.filledPosition.get(k) ?? new Decimal(0)).plus(signed);
        this.filledPosition.set(k, pos);
        this.series(this.positionSeries, k).add(at, pos.toString());
        if (this.instruments.get(k)?.settlement === 'physical') {
          const exact = this.physicalPositions.get(k) ?? [];
          exact.push([at, pos.toString()]);
          this.physicalPositions.set(k, exact);
        }
        const ids = this.tradeIds.get(account) ?? new Map<string, number>();
        ids.set(str(d['tradeId']), (ids.get(str(d['tradeId'])) ?? 0) + 1);
        this.tradeIds.set(account, ids);
        const size = new Decimal(this.instruments.get(k)?.contractSize ?? 1);
        const notional = q.times(dec(d['price'])).times(size);
        this.fillNotional = this.fillNotional.plus(notional);
        if (d['liquidity'] === 'maker') this.makerNotional = this.makerNotional.plus(notional);
        const asset = str(d['feeAsset']);
        this.fees.set(asset, (this.fees.get(asset) ?? new Decimal(0)).plus(dec(d['fee'])));
        this.lastFillAt.set(account, e.globalPosition);
        return;
      }
      case 'PositionReported': {
        const positions = new Map<string, Decimal>();
        for (const p of (d['positions'] as Data[] | undefined) ?? [])
          positions.set(str(p['instrument']), dec(p['qty']));
        this.reported.set(str(d['accountId']), { position: e.globalPosition, positions });
        return;
      }
      case 'AccountEquityUpdated': {
        const a = str(d['accountId']);
        const entry = this.equity.get(a) ?? {
          series: new Series(this.spacingMs),
          currency: str(d['currency']),
          last: null,
        };
        entry.last = dec(d['equity']);
        entry.currency = str(d['currency']);
        entry.series.add(at, entry.last.toFixed(2));
        this.equity.set(a, entry);
        return;
      }
      case 'PnlUpdated': {
        const a = str(d['accountId']);
        const byInstrument = this.pnl.get(a) ?? new Map<string, Data>();
        byInstrument.set(str(d['instrument']), d);
        this.pnl.set(a, byInstrument);
        let net = new Decimal(0);
        for (const x of byInstrument.values()) net = net.plus(dec(x['netPnl']));
        this.series(this.pnlSeries, a).add(at, net.toFixed(2));
        return;
      }
      case 'InstrumentsListed': {
        for (const account of (d['accountIds'] as string[] | undefined) ?? [])
          for (const i of (d['instruments'] as Data[] | undefined) ?? [])
            this.instruments.set(key(account, str(i['symbol'])), {
              settlement: (i['settlement'] as string | null | undefined) ?? null,
              expiry: (i['expiry'] as string | null | undefined) ?? null,
              contractSize: str(i['contractSize'] ?? '1'),
              lotSize: str(i['lotSize'] ?? '1'),
            });
        return;
      }
      default:
        return;
    }
  }

  private accountsTrading(instrument: string): string[] {
    return [...this.lastTarget.keys()]
      .map(unkey)
      .filter(([, i]) => i === instrument)
      .map(([a]) => a);
  }

  /** Every (account, instrument) with a target or a position. */
  keys(): [string, string][] {
    return [...new Set([...this.lastTarget.keys(), ...this.filledPosition.keys()])].sort().map(unkey);
  }

  positionOf(account: string, instrument: string): Decimal {
    return this.filledPosition.get(key(account, instrument)) ?? new Decimal(0);
  }

  targetOf(account: string, instrument: string) {
    return this.lastTarget.get(key(account, instrument));
  }

  explanationsOf(account: string, instrument: string): readonly Fact[] {
    return this.explanations.get(key(account, instrument)) ?? [];
  }

  parentOrders(): DemoParentOrder[] {
    return [...this.parents.values()].map((p) => {
      const avg = p.filled.isZero() ? null : p.notional.div(p.filled);
      const slip =
        avg === null || p.arrival === null
          ? null
          : Number(
              avg
                .minus(p.arrival)
                .div(p.arrival)
                .times(p.side === 'buy' ? 10_000 : -10_000)
                .toFixed(2),
            );
      return {
        id: p.id,
        account: p.account,
        instrument: p.instrument,
        side: p.side,
        qty: p.qty.toString(),
        filled: p.filled.toString(),
        state: p.state,
        startedAt: p.startedAt,
        endedAt: p.endedAt,
        avgPrice: avg === null ? null : avg.toSignificantDigits(10).toString(),
        arrivalPrice: p.arrival === null ? null : p.arrival.toString(),
        slippageBps: slip,
        makerShare: p.filled.isZero() ? null : Number(p.makerQty.div(p.filled).toFixed(4)),
        children: p.children,
        fees: p.fees.toString(),
      };
    });
  }

  positions(): DemoPositionSeries[] {
    return this.keys().map(([account, instrument]) => ({
      account,
      instrument,
      position: this.positionSeries.get(key(account, instrument))?.points ?? ([] as Point[]),
      target: this.targetSeries.get(key(account, instrument))?.points ?? ([] as Point[]),
    }));
  }

  accounts(venues: ReadonlyMap<string, string>): DemoAccount[] {
    const ids = [...new Set([...venues.keys(), ...this.equity.keys()])].sort();
    return ids.map((account) => {
      const e = this.equity.get(account);
      let realized = new Decimal(0);
      let unrealized = new Decimal(0);
      let fees = new Decimal(0);
      let funding = new Decimal(0);
      for (const x of this.pnl.get(account)?.values() ?? []) {
        realized = realized.plus(dec(x['realizedPnl']));
        unrealized = unrealized.plus(dec(x['unrealizedPnl']));
        fees = fees.plus(dec(x['fees']));
        funding = funding.plus(dec(x['funding']));
      }
      return {
        account,
        venue: venues.get(account) ?? '',
        currency: e?.currency ?? '',
        equity: e?.series.points ?? [],
        pnl: this.pnlSeries.get(account)?.points ?? [],
        final: {
          equity: e?.last?.toFixed(2) ?? null,
          realizedPnl: realized.toFixed(2),
          unrealizedPnl: unrealized.toFixed(2),
          fees: fees.toFixed(2),
          funding: funding.toFixed(2),
        },
      };
    });
  }

  makerShare(): number | null {
    return this.fillNotional.isZero() ? null : Number(this.makerNotional.div(this.fillNotional).toFixed(4));
  }
}
