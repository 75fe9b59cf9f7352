/**
 * Decoding and encoding at the boundaries: building a new event (validated before it can
 * be stored), decoding a stored payload (upcast to the current version, then validated)
 * and the JSON wire format used on NATS. Validators are compiled once per type.
 */
import { TSchema, Type } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import * as E from 'fp-ts/Either';
import { currentTypeOf, EVENT_DEFINITIONS, EventData, EventType } from './catalog';
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
