/**
 * Schema building blocks for event payloads. Payloads are JSON; money is a decimal string
 * (never a float), time an ISO-8601 UTC string. TypeBox gives JSON Schema (the public
 * contract) and compiled validators fast enough for replays at millions of events/s.
 *
 * Decimals and times are transforms: the JSON form validates as a string, and the codec
 * (codec.ts `decodeData`/`encodeData`) turns it into the domain's type (Decimal, epoch ms)
 * and back, exactly. `Static<S>` is the JSON form, `StaticDecode<S>` the domain form.
 */
import { Type, TSchema } from '@sinclair/typebox';
import DecimalJs from 'decimal.js';

const DECIMAL = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';
const POSITIVE_DECIMAL = '^(0\\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\\.[0-9]+)?)$';
const TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';

/** `toFixed()`: never an exponent; a negative zero is written `0` (equal by value). */
const writeDecimal = (d: DecimalJs): string => (d.isZero() ? '0' : d.toFixed());

/** An exact decimal as a string: `-12.5`, `0.001`, `42`. No exponent, no float. Decodes to a Decimal. */
export const Decimal = (opts: { description?: string } = {}) =>
  Type.Transform(Type.String({ pattern: DECIMAL, ...opts }))
    .Decode((s) => new DecimalJs(s))
    .Encode(writeDecimal);

/** A strictly positive decimal string. Decodes to a Decimal. */
export const PositiveDecimal = (opts: { description?: string } = {}) =>
  Type.Transform(Type.String({ pattern: POSITIVE_DECIMAL, ...opts }))
    .Decode((s) => new DecimalJs(s))
    .Encode(writeDecimal);

/** ISO-8601 UTC timestamp: `2024-01-01T00:00:00.000Z` (written with ms). Decodes to epoch ms. */
export const Timestamp = () =>
  Type.Transform(Type.String({ pattern: TIMESTAMP }))
    .Decode((s) => {
      const t = Date.parse(s);
      // Date.parse rolls an impossible day or hour over (`2026-02-30` is 2 March): the instant
      // must write back as the date and time stored.
      if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 19) !== s.slice(0, 19))
        throw new Error('is not a valid time');
      return t;
    })
    .Encode((t) => new Date(t).toISOString());

/** A non-empty identifier without whitespace. */
export const Id = (maxLength = 128) => Type.String({ minLength: 1, maxLength, pattern: '^\\S+$' });

export const Side = () => Type.Union([Type.Literal('buy'), Type.Literal('sell')]);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
