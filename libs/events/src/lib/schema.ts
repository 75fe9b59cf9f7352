/**
 * Schema building blocks for event payloads. Payloads are JSON; money is a decimal string
 * (never a float), time an ISO-8601 UTC string. TypeBox gives JSON Schema (the public
 * contract) and compiled validators fast enough for replays at millions of events/s.
 */
import { Type, TSchema } from '@sinclair/typebox';

/** An exact decimal as a string: `-12.5`, `0.001`, `42`. No exponent, no float. */
export const Decimal = (opts: { description?: string } = {}) =>
  Type.String({ pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$', ...opts });

/** A strictly positive decimal string. */
export const PositiveDecimal = (opts: { description?: string } = {}) =>
  Type.String({ pattern: '^(0\\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\\.[0-9]+)?)$', ...opts });

/** ISO-8601 UTC timestamp with millisecond precision: `2024-01-01T00:00:00.000Z`. */
export const Timestamp = () =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$' });

/** A non-empty identifier without whitespace. */
export const Id = (maxLength = 128) => Type.String({ minLength: 1, maxLength, pattern: '^\\S+$' });

export const Side = () => Type.Union([Type.Literal('buy'), Type.Literal('sell')]);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
