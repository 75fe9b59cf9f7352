/**
 * The JSON Schemas of the AsyncAPI document: the envelope every event travels in (the same
 * fields `decodeWire` checks), the NATS headers the bus writes, and each type's payload as the
 * catalog's TypeBox schema serialises. Payload schemas are the catalog's JSON, except that a
 * sub-schema exactly equal to a shared building block (Decimal, PositiveDecimal, Timestamp)
 * becomes a `$ref` to it: the same schema, named once.
 */
import { TSchema } from '@sinclair/typebox';
import { Decimal, EventDefinition, Id, PositiveDecimal, StoredEventFields, Timestamp } from '@keel/events';
import { MSG_ID_HEADER, POSITION_HEADER, STORE_HEADER } from '@keel/bus';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: Json };

/** Keyword order in the document (readers look for `type` first); other keywords follow, sorted. */
const KEYWORD_ORDER = [
  ...['$ref', 'title', 'description', 'type', 'const', 'enum', 'format', 'pattern', 'minLength', 'maxLength'],
  ...['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf'],
  ...['items', 'minItems', 'maxItems', 'uniqueItems', 'required', 'properties', 'additionalProperties'],
  ...['anyOf', 'oneOf', 'allOf', 'not'],
];
const rank = (k: string): number => {
  const i = KEYWORD_ORDER.indexOf(k);
  return i < 0 ? KEYWORD_ORDER.length : i;
};
const byKeyword = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
/** Keywords whose value is a map of schemas (its keys, property names, keep their order). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMAS = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

const isObject = (j: Json): j is JsonObject => j !== null && typeof j === 'object' && !Array.isArray(j);

/**
 * A schema with its keywords in KEYWORD_ORDER, recursively, so the document does not change
 * when a schema is only written differently (TypeBox's own key order, an option spread first).
 */
export const ordered = (j: Json): Json => {
  if (!isObject(j)) return j;
  const value = (k: string, v: Json): Json =>
    SCHEMA_MAPS.has(k) && isObject(v)
      ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, ordered(s)]))
      : (SCHEMAS.has(k) || SCHEMA_LISTS.has(k)) && Array.isArray(v)
        ? v.map(ordered)
        : SCHEMAS.has(k)
          ? ordered(v)
          : v;
  return Object.fromEntries(
    (Object.entries(j) as [string, Json][]).sort(byKeyword).map(([k, v]) => [k, value(k, v)]),
  );
};

/**
 * The plain JSON Schema of a TypeBox schema: TypeBox keeps its kinds (and Transform codecs)
 * under symbol keys, which JSON drops, so this is exactly what a non-TypeScript reader sees.
 * Keywords are put in a fixed order; nothing else changes.
 */
export const jsonSchema = (schema: TSchema): JsonObject =>
  ordered(JSON.parse(JSON.stringify(schema)) as Json) as JsonObject;

export const schemaRef = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/**
 * Shared payload building blocks, by component name: a payload sub-schema equal to one becomes
 * a $ref to it. Exactly the catalog's JSON, with no description added, so a payload schema with
 * its $refs resolved is the catalog's schema itself (the info section says what they mean).
 */
const BUILDING_BLOCKS: readonly (readonly [string, JsonObject])[] = [
  ['Decimal', jsonSchema(Decimal())],
  ['PositiveDecimal', jsonSchema(PositiveDecimal())],
  ['Timestamp', jsonSchema(Timestamp())],
];

const canonical = (j: Json): string =>
  JSON.stringify(j, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
const BLOCK_BY_SHAPE = new Map(BUILDING_BLOCKS.map(([name, schema]) => [canonical(schema), name]));

/** Replace every sub-schema equal to a building block by a $ref to it (the root is never replaced). */
const withBlockRefs = (j: Json, root = true): Json => {
  if (Array.isArray(j)) return j.map((x: Json) => withBlockRefs(x, false));
  if (j === null || typeof j !== 'object') return j;
  const block = root ? undefined : BLOCK_BY_SHAPE.get(canonical(j));
  if (block) return schemaRef(block);
  // Every nested object is looked at: only a schema can have a block's exact shape.
  return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, withBlockRefs(v, false)]));
};

/** The component name of a type's payload schema. */
export const dataSchemaName = (type: string): string => `${type}Data`;

/** A type's payload schema as published (the catalog's JSON, building blocks by $ref). */
export const dataSchema = (def: EventDefinition): JsonObject =>
  withBlockRefs(jsonSchema(def.schema)) as JsonObject;

const described = (schema: TSchema, description: string): JsonObject => ({
  ...jsonSchema(schema),
  description,
});

/** The envelope's fields, as components: every event message's payload refers to them. */
const ENVELOPE_FIELDS: JsonObject = {
  EventId: described(
    Id(64),
    'The event id, a UUID derived from its cause (a retried write is the same event). Also the `Nats-Msg-Id` header.',
  ),
  StreamName: described(
    Id(256),
    "The event-store stream it was appended to, `<context>-<entity id>`; the part before the first `-` is the stream's category.",
  ),
  StreamRevision: {
    type: 'integer',
    minimum: 0,
    description: '0-based position of the event within its stream.',
  },
  GlobalPosition: {
    type: 'integer',
    minimum: 0,
    description:
      "Position in the store's global order: strictly increasing, not necessarily contiguous. Consumers are idempotent by it (a high-water mark). Also the `Keel-Position` header.",
  },
  RecordedAt: described(Timestamp(), 'When the store recorded it (ISO-8601 UTC).'),
  OccurredAt: described(Timestamp(), "When it happened, by the writer's injected clock (ISO-8601 UTC)."),
  CorrelationId: described(Id(), 'The id of the request or flow this event belongs to (carried into logs).'),
  CausationId: {
    description: 'The id of the event (or request) that caused this one; null for external input.',
    anyOf: [jsonSchema(Id()), { type: 'null' }],
  },
  Producer: described(Id(64), 'The app (or tool) that wrote it.'),
};

/**
 * The message body of one type: the whole recorded envelope (`encodeWire`), with `type` and
 * `schemaVersion` fixed to the type's current ones and `data` its payload schema. Typed by the
 * catalog's `StoredEventFields`, so an envelope field added or removed there fails to compile
 * here. The envelope is open, as `decodeWire` reads it: it accepts fields it does not know.
 */
export const envelopeSchema = (def: EventDefinition): JsonObject => {
  const properties: Readonly<Record<keyof StoredEventFields, Json>> = {
    eventId: schemaRef('EventId'),
    type: { type: 'string', const: def.type, description: 'The event type.' },
    schemaVersion: {
      type: 'integer',
      const: def.version,
      description:
        'The current schema version of the type: older stored versions are upcast before they are published.',
    },
    stream: schemaRef('StreamName'),
    streamRevision: schemaRef('StreamRevision'),
    globalPosition: schemaRef('GlobalPosition'),
    recordedAt: schemaRef('RecordedAt'),
    occurredAt: schemaRef('OccurredAt'),
    correlationId: schemaRef('CorrelationId'),
    causationId: schemaRef('CausationId'),
    producer: schemaRef('Producer'),
    data: schemaRef(dataSchemaName(def.type)),
  };
  return ordered({ type: 'object', required: Object.keys(properties), properties }) as JsonObject;
};

/** The headers of every event message, as the NATS bus's `publish` writes them. */
export const EVENT_HEADERS = ordered({
  type: 'object',
  required: [MSG_ID_HEADER, POSITION_HEADER],
  properties: {
    [MSG_ID_HEADER]: {
      ...jsonSchema(Id(64)),
      description:
        "The event id (`eventId`): JetStream drops a message whose id it has seen within the stream's duplicate window (2 min by default), so a re-published event is stored on NATS once.",
    },
    [POSITION_HEADER]: {
      type: 'string',
      pattern: '^(0|[1-9][0-9]*)$',
      description:
        "The event's `globalPosition` in decimal: the relay reads it back from the last message to know where to resume, and consumers take the position from here, never from the payload.",
    },
    [STORE_HEADER]: {
      type: 'string',
      description:
        'The identity of the event store the relay read the event from: a relay refuses to resume on a stream that mirrors another store.',
    },
  },
}) as JsonObject;

/** Every component schema except the payloads: the building blocks and the envelope's fields. */
export const SHARED_SCHEMAS: JsonObject = Object.fromEntries(
  Object.entries({
    ...Object.fromEntries(BUILDING_BLOCKS),
    ...ENVELOPE_FIELDS,
    EventHeaders: EVENT_HEADERS,
  }).map(([name, schema]) => [name, ordered(schema)]),
);
