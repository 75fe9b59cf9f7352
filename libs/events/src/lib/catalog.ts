/**
 * The event catalog: every event type Keel persists and publishes, with its owner app,
 * bounded context, current schema version, payload schema and the upcasters that lift
 * older stored versions to the current one. This is a public, versioned contract: change
 * a payload by adding a version and an upcaster, never by editing a schema in place
 * (tools/contract checks it against the last released catalog). One file per context
 * (catalog/<context>.events.ts); the vocabulary is written down in docs/events.md.
 */
import { Static, StaticDecode } from '@sinclair/typebox';
import { BALANCES_EVENTS } from './catalog/balances.events';
import { CALENDAR_EVENTS } from './catalog/calendar.events';
import { CONTROL_EVENTS } from './catalog/control.events';
import { EXECUTION_EVENTS } from './catalog/execution.events';
import { MARKET_EVENTS } from './catalog/market.events';
import { PNL_EVENTS } from './catalog/pnl.events';
import { PORTFOLIO_EVENTS } from './catalog/portfolio.events';
import { PREDICTION_EVENTS } from './catalog/prediction.events';
import { VENUE_EVENTS } from './catalog/venue.events';

export type { EventDefinition, Upcaster } from './catalog/define';
/** An instrument's trading rules as events carry them (InstrumentsListed, ParentOrderStarted). */
export { InstrumentRules } from './catalog/define';
/** The venue models an AccountSnapshotReported names (@keel/venue-accounts). */
export { ACCOUNT_MODELS, type AccountModelName } from './catalog/venue.events';

export const EVENT_DEFINITIONS = {
  ...PREDICTION_EVENTS,
  ...PORTFOLIO_EVENTS,
  ...EXECUTION_EVENTS,
  ...VENUE_EVENTS,
  ...MARKET_EVENTS,
  ...BALANCES_EVENTS,
  ...PNL_EVENTS,
  ...CALENDAR_EVENTS,
  ...CONTROL_EVENTS,
} as const;

export type EventDefinitions = typeof EVENT_DEFINITIONS;
export type EventType = keyof EventDefinitions;
/** A payload as stored and sent: decimals as strings, times as ISO-8601 UTC. */
export type EventData<T extends EventType> = Static<EventDefinitions[T]['schema']>;
/** A payload decoded for the domain (see codec.ts `decodeData`): decimals as Decimal, times as epoch ms. */
export type DomainData<T extends EventType> = StaticDecode<EventDefinitions[T]['schema']>;

export const EVENT_TYPES = Object.keys(EVENT_DEFINITIONS) as readonly EventType[];

export const isEventType = (s: string): s is EventType =>
  Object.prototype.hasOwnProperty.call(EVENT_DEFINITIONS, s);

const FORMER_NAMES: ReadonlyMap<string, { readonly type: EventType; readonly throughVersion: number }> =
  new Map(
    EVENT_TYPES.flatMap((t) =>
      (
        (EVENT_DEFINITIONS[t] as { formerly?: readonly { type: string; throughVersion: number }[] })
          .formerly ?? []
      ).map((f) => [f.type, { type: t, throughVersion: f.throughVersion }] as const),
    ),
  );

/**
 * The current type a stored type name reads as: itself, or the type it was renamed to
 * (when the stored version is one it was stored under that name). Undefined: unknown.
 */
export const currentTypeOf = (stored: string, version: number): EventType | undefined => {
  if (isEventType(stored)) return stored;
  const f = FORMER_NAMES.get(stored);
  return f && version <= f.throughVersion ? f.type : undefined;
};

const storedNames = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * The type names a store holds events of `types` under: each type and the names it was
 * stored under before a rename. A read filtered by type asks for these, so a log written
 * before a rename is still read (and decodes as today's type). Unknown names pass through.
 * Kept per filter array (filters are built once and read many times).
 */
export const storedTypeSet = (types: readonly string[]): ReadonlySet<string> => {
  const known = storedNames.get(types);
  if (known) return known;
  const out = new Set<string>();
  for (const t of types) {
    out.add(t);
    if (!isEventType(t)) continue;
    const def = EVENT_DEFINITIONS[t] as { formerly?: readonly { type: string }[] };
    for (const f of def.formerly ?? []) out.add(f.type);
  }
  storedNames.set(types, out);
  return out;
};

/** `storedTypeSet` as a list. */
export const storedTypeNames = (types: readonly string[]): readonly string[] => [...storedTypeSet(types)];
