/**
 * What a paper session (`keel demo`) records for its summary, its invariants and its HTML
 * report: plain JSON (decimals as strings, times as epoch ms on the session's clock), so the
 * summary printed with `--json` and the data embedded in the report are one document.
 */

/** One recorded-data file replayed by a simulated venue, and where it landed on the session's clock. */
export interface DemoDataFile {
  readonly file: string;
  readonly instrument: string;
  readonly venue: string;
  /** Added to the file's timestamps to put them on the session's clock (ms; 0 = unshifted). */
  readonly shiftMs: number;
  readonly note?: string;
}

export interface DemoSession {
  /** Wall time the session started (ISO-8601 UTC). */
  readonly startedAt: string;
  readonly wallSeconds: number;
  /** Virtual ms per wall ms. */
  readonly speed: number;
  /** The session's clock (epoch ms): where it started and where it stopped. */
  readonly virtualStart: number;
  readonly virtualEnd: number;
  readonly chaos: boolean;
  /** Why it ended: the --minutes elapsed, or the operator's signal. */
  readonly endedBy: 'minutes' | 'SIGINT' | 'SIGTERM';
  readonly data: readonly DemoDataFile[];
  readonly storeUri: string;
  readonly natsUrl: string;
}

/** [virtual time ms, value]; values are decimal strings. */
export type Point = readonly [number, string];

export interface DemoAccount {
  readonly account: string;
  readonly venue: string;
  readonly currency: string;
  readonly equity: readonly Point[];
  /** Net PnL (realized + unrealized − fees + funding) in the account's currency over time. */
  readonly pnl: readonly Point[];
  readonly final: {
    readonly equity: string | null;
    readonly realizedPnl: string;
    readonly unrealizedPnl: string;
    readonly fees: string;
    readonly funding: string;
  };
}

export interface DemoPositionSeries {
  readonly account: string;
  readonly instrument: string;
  /** Position held (venue units) over time. */
  readonly position: readonly Point[];
  /** Target (venue units) over time. */
  readonly target: readonly Point[];
}

export interface DemoParentOrder {
  readonly id: string;
  readonly account: string;
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  readonly qty: string;
  readonly filled: string;
  /** done, superseded, cancelled, expired, working, … as execution recorded it. */
  readonly state: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly avgPrice: string | null;
  /** The mid when the parent order started. */
  readonly arrivalPrice: string | null;
  /** Signed cost against arrival, bps (positive = paid more than arrival). */
  readonly slippageBps: number | null;
  /** Share of the filled quantity filled as maker, 0…1. */
  readonly makerShare: number | null;
  readonly children: number;
  readonly fees: string;
}

export interface DemoInvariant {
  readonly name: string;
  readonly pass: boolean;
  /** What was compared, and the first counter-examples when it failed. */
  readonly detail: string;
}

export interface DemoChaosAction {
  readonly at: number;
  readonly app: string;
  readonly action: 'killed' | 'restarted';
}

export interface DemoRecord {
  readonly session: DemoSession;
  readonly totals: {
    readonly predictions: number;
    readonly predictionsRefused: number;
    readonly targets: number;
    readonly withheld: number;
    readonly parentOrders: number;
    readonly childOrders: number;
    readonly fills: number;
    /** Share of all filled quantity (by notional) filled as maker, 0…1; null when nothing filled. */
    readonly makerShare: number | null;
    /** Fees paid per asset. */
    readonly fees: Readonly<Record<string, string>>;
  };
  readonly accounts: readonly DemoAccount[];
  readonly positions: readonly DemoPositionSeries[];
  readonly parentOrders: readonly DemoParentOrder[];
  readonly invariants: readonly DemoInvariant[];
  readonly chaos: readonly DemoChaosAction[];
  /** App state changes as the supervisor saw them. */
  readonly apps: readonly { readonly at: number; readonly app: string; readonly state: string }[];
}
