/**
 * What a catalog entry is, and the schema blocks more than one context uses. Each context's
 * events live in `<context>.events.ts`; catalog.ts merges them.
 */
import { TSchema, Type } from '@sinclair/typebox';
import { Context } from '../names';
import { Decimal, Id, Nullable, PositiveDecimal } from '../schema';

/** Lifts a payload stored at version `from` to version `from + 1`. Pure. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  readonly type: T;
  readonly context: Context;
  /** The app that writes this event; no other app may. */
  readonly owner: string;
  readonly version: number;
  readonly schema: S;
  /** `upcasters[n]` lifts version n to n + 1, for every n below `version`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  readonly description: string;
  /**
   * Names this type was stored under before it was renamed: versions up to and including
   * `throughVersion` may be stored as `type` (decoding reads them as this type and upcasts).
   */
  readonly formerly?: readonly { readonly type: string; readonly throughVersion: number }[];
}

export const define = <T extends string, S extends TSchema>(
  d: EventDefinition<T, S>,
): EventDefinition<T, S> => d;

export const Account = Id(64);
export const Instrument = Id(64);
/** A calendar date in exchange local time, `YYYY-MM-DD`. */
export const LocalDateString = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
/** A child order's id at the venue, made by execution (alphanumeric: every venue accepts it). */
export const ClientOrderId = Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' });

/**
 * An instrument's trading rules (tick, lot, minimums, fees) as a gateway listed them; a
 * parent order stores the rules it was planned with, so a fold never depends on
 * configuration that may change later.
 */
export const InstrumentRules = Type.Object(
  {
    venue: Id(64),
    venueSymbol: Id(64),
    symbol: Instrument,
    kind: Type.Union([Type.Literal('spot'), Type.Literal('perpetual'), Type.Literal('future')]),
    base: Id(32),
    quote: Id(32),
    settle: Id(32),
    tickSize: PositiveDecimal(),
    lotSize: PositiveDecimal(),
    minQty: Decimal(),
    minNotional: Decimal(),
    contractSize: PositiveDecimal(),
    settlement: Nullable(Type.Union([Type.Literal('cash'), Type.Literal('physical')])),
    expiry: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
    makerFee: Decimal(),
    takerFee: Decimal(),
  },
  { additionalProperties: false },
);
