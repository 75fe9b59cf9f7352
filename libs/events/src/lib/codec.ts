/**
 * Decoding and encoding at the boundaries: building a new event (validated before it can
 * be stored), decoding a stored payload (upcast to the current version, then validated)
 * and the JSON wire format used on NATS. Validators are compiled once per type.
 */
import { TSchema, Type } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { TransformDecode, TransformEncode } from '@sinclair/typebox/value';
import * as E from 'fp-ts/Either';
import { currentTypeOf, DomainData, EVENT_DEFINITIONS, EventData, EventType } from './catalog';
import { EventMeta, NewEvent, RecordedEvent } from './envelope';
import { ValidationError, validationError } from './errors';
import { Id, Timestamp } from './schema';

const compiled = new Map<string, TypeCheck<TSchema>>();
const checkerFor = (type: EventType): TypeCheck<TSchema> => {
  let c = compiled.get(type);
  if (!c) {
    c = TypeCompiler.Compile(EVENT_DEFINITIONS[type].schema);
    compiled.set(type, c);
  }
  return c;
};

const firstError = (check: TypeCheck<TSchema>, value: unknown, prefix: string): ValidationError => {
  const err = check.Errors(value).First();
  return err
    ? validationError(`${prefix}${err.path}`, err.value, err.message)
    : validationError(prefix, value, 'is invalid');
};

/** Validate a payload against the current schema of its type. */
export const validateData = <T extends EventType>(
  type: T,
  data: unknown,
): E.Either<ValidationError, EventData<T>> => {
  const check = checkerFor(type);
  return check.Check(data) ? E.right(data as EventData<T>) : E.left(firstError(check, data, '/data'));
};

/** Build a new event at the current schema version; rejects a payload that breaks the schema. */
export const newEvent = <T extends EventType>(
  type: T,
  eventId: string,
  data: EventData<T>,
  meta: EventMeta,
): E.Either<ValidationError, NewEvent<T>> => {
  if (!UUID.test(eventId)) return E.left(validationError('/eventId', eventId, 'must be a UUID'));
  return E.map(
    (d: EventData<T>) =>
      ({
        eventId,
        type,
        schemaVersion: EVENT_DEFINITIONS[type].version,
        data: d,
        ...meta,
      }) as unknown as NewEvent<T>,
  )(validateData(type, data));
};

/** Lift a stored payload to the current version of its type. */
export const upcast = (
  type: EventType,
  version: number,
  data: unknown,
): E.Either<ValidationError, { readonly data: unknown; readonly version: number }> => {
  const def = EVENT_DEFINITIONS[type];
  if (!Number.isInteger(version) || version < 1 || version > def.version)
    return E.left(
      validationError('/schemaVersion', version, `must be an integer from 1 to ${def.version} for ${type}`),
    );
  let current = data;
  for (let v = version; v < def.version; v++) {
    const up = (
      def.upcasters as Record<number, ((d: Record<string, unknown>) => Record<string, unknown>) | undefined>
    )[v];
    if (!up) return E.left(validationError('/schemaVersion', version, `no upcaster from v${v} of ${type}`));
    if (typeof current !== 'object' || current === null)
      return E.left(validationError('/data', current, 'must be an object'));
    current = up(current as Record<string, unknown>);
  }
  return E.right({ data: current, version: def.version });
};

/** What a store adapter reads back before decoding. */
export interface StoredEventFields extends EventMeta {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly stream: string;
  readonly streamRevision: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
}

/**
 * Decode a stored event: known type (a former name reads as the type it was renamed to),
 * upcast to the current version, payload validated.
 */
export const decodeStored = (raw: StoredEventFields): E.Either<ValidationError, RecordedEvent> => {
  const type = currentTypeOf(raw.type, raw.schemaVersion);
  if (type === undefined) return E.left(validationError('/type', raw.type, 'is not a known event type'));
  const def = EVENT_DEFINITIONS[type];
  let data = raw.data;
  if (raw.schemaVersion !== def.version) {
    const up = upcast(type, raw.schemaVersion, raw.data);
    if (E.isLeft(up)) return up;
    data = up.right.data;
  }
  const check = checkerFor(type);
  if (!check.Check(data)) return E.left(firstError(check, data, '/data'));
  return E.right({ ...raw, type, schemaVersion: def.version, data } as RecordedEvent);
};

// ---- the domain's form: decimals as Decimal, times as epoch ms ----------------------------------

/**
 * An event as a domain (a decider) sees it: the decoded payload, its type and when it
 * occurred (the envelope's `occurredAt`, epoch ms). Derived from the catalog: a decider
 * declares no event shape of its own.
 */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: { readonly type: K; readonly occurredAt: number } & DomainData<K>;
}[T];

/** A transform's failure, naming the field (TypeBox gives its path and value) or else the whole value. */
const transformError = (prefix: string, value: unknown, err: unknown): ValidationError => {
  const e = err as { path?: string; value?: unknown; error?: { message?: string }; message?: string };
  const message = e.error?.message ?? e.message ?? 'does not decode';
  return e.path === undefined
    ? validationError(prefix, value, message)
    : validationError(`${prefix}${e.path}`, e.value, message);
};

/** A payload in its JSON form, validated and decoded into the domain's types. */
export const decodeData = <T extends EventType>(
  type: T,
  data: unknown,
): E.Either<ValidationError, DomainData<T>> => {
  const check = checkerFor(type);
  if (!check.Check(data)) return E.left(firstError(check, data, '/data'));
  try {
    // Checked just above: transform without `TypeCheck.Decode`'s second check.
    return E.right(TransformDecode(EVENT_DEFINITIONS[type].schema, [], data) as DomainData<T>);
  } catch (err) {
    return E.left(transformError('/data', data, err));
  }
};

/** A payload in the domain's types, encoded into its JSON form and validated. */
export const encodeData = <T extends EventType>(
  type: T,
  value: DomainData<T>,
): E.Either<ValidationError, EventData<T>> => {
  // Encode, then check what was written: `TypeCheck.Encode` reports the first error of the
  // domain value (a Decimal is not a string), so a bad field was named `/data` with a wrong reason.
  let encoded: unknown;
  try {
    encoded = TransformEncode(EVENT_DEFINITIONS[type].schema, [], value);
  } catch (err) {
    return E.left(transformError('/data', value, err));
  }
  const check = checkerFor(type);
  return check.Check(encoded)
    ? E.right(encoded as EventData<T>)
    : E.left(firstError(check, encoded, '/data'));
};

const isoOf = (t: number): E.Either<ValidationError, string> =>
  Number.isFinite(t)
    ? E.right(new Date(t).toISOString())
    : E.left(validationError('/occurredAt', t, 'is not a valid time'));

/** A stored (or new) event of a known type, decoded for the domain. */
export const decodeEvent = <T extends EventType>(e: {
  readonly type: T;
  readonly data: unknown;
  readonly occurredAt: string;
}): E.Either<ValidationError, DomainEvent<T>> => {
  const occurredAt = Date.parse(e.occurredAt);
  if (!Number.isFinite(occurredAt))
    return E.left(validationError('/occurredAt', e.occurredAt, 'is not a valid time'));
  return E.map((d: DomainData<T>) => ({ ...(d as object), type: e.type, occurredAt }) as DomainEvent<T>)(
    decodeData(e.type, e.data),
  );
};

/** A domain event back to its catalog form: type, JSON payload and ISO `occurredAt`. */
export const encodeEvent = <T extends EventType>(
  e: DomainEvent<T>,
): E.Either<
  ValidationError,
  { readonly type: T; readonly data: EventData<T>; readonly occurredAt: string }
> => {
  const { type, occurredAt, ...data } = e as { type: T; occurredAt: number } & Record<string, unknown>;
  return E.chain((iso: string) =>
    E.map((d: EventData<T>) => ({ type, data: d, occurredAt: iso }))(encodeData(type, data as DomainData<T>)),
  )(isoOf(occurredAt));
};

const EnvelopeSchema = Type.Object({
  eventId: Id(64),
  type: Type.String({ minLength: 1 }),
  schemaVersion: Type.Integer({ minimum: 1 }),
  stream: Id(256),
  streamRevision: Type.Integer({ minimum: 0 }),
  globalPosition: Type.Integer({ minimum: 0 }),
  recordedAt: Timestamp(),
  occurredAt: Timestamp(),
  correlationId: Id(),
  causationId: Type.Union([Id(), Type.Null()]),
  producer: Id(64),
  data: Type.Unknown(),
});
const envelopeCheck = TypeCompiler.Compile(EnvelopeSchema);

/** JSON on the wire (NATS): the whole recorded envelope. */
export const encodeWire = (event: RecordedEvent): string => JSON.stringify(event);

/** Decode a NATS payload into a recorded event, naming the first bad field. */
export const decodeWire = (text: string): E.Either<ValidationError, RecordedEvent> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return E.left(
      validationError(
        '',
        text.length > 200 ? `${text.slice(0, 200)}…` : text,
        `is not JSON: ${(e as Error).message}`,
      ),
    );
  }
  if (!envelopeCheck.Check(parsed)) return E.left(firstError(envelopeCheck, parsed, ''));
  return decodeStored(parsed as StoredEventFields);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
