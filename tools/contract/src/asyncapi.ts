/**
 * Keel's AsyncAPI 3 document, made from the event catalog (`EVENT_DEFINITIONS`): one channel
 * per event type (its NATS subject), its message (the recorded envelope with the type's payload
 * as `data`, the headers the bus writes), one `send` operation by its owner app, and the
 * dead-letter channel. Pure and deterministic: types are sorted by name and every object is
 * built in a fixed key order, so the same catalog gives the same document byte for byte.
 */
import {
  ALL_DEAD_LETTERS_SUBJECT,
  ALL_EVENTS_SUBJECT,
  DEAD_LETTER_STREAM,
  EVENT_DEFINITIONS,
  EVENTS_STREAM,
  EventDefinition,
  eventSubject,
  kebab,
} from '@keel/events';
import {
  DLQ_CONSUMER_HEADER,
  DLQ_DELIVERIES_HEADER,
  DLQ_REASON_HEADER,
  DLQ_SUBJECT_HEADER,
  MSG_ID_HEADER,
} from '@keel/bus';
// The workspace's own package.json is the document's version: data read at load time, not another
// project's code, so the generator stays pure (no file read when it runs).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { version as packageVersion } from '../../../package.json';
import {
  dataSchema,
  dataSchemaName,
  envelopeSchema,
  Json,
  JsonObject,
  ordered,
  schemaRef,
  SHARED_SCHEMAS,
} from './asyncapi.schemas';

export type EventDefinitionsLike = Readonly<Record<string, EventDefinition>>;

/** The default server: where every app connects unless `KEEL_NATS_URL` says otherwise. */
const DEFAULT_NATS_HOST = '127.0.0.1:4222';
const DEAD_LETTERS = 'DeadLetter';
/** `keel.dlq.{consumer}`: the DLQ wildcard with its last token as the channel parameter. */
const DEAD_LETTER_ADDRESS = `${ALL_DEAD_LETTERS_SUBJECT.replace(/>$/, '')}{consumer}`;

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `ChildOrderFilled` → `Child order filled`. */
const title = (type: string): string => {
  const words = kebab(type).replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The first sentence of a description (a full stop followed by a capital), or all of it. */
const firstSentence = (text: string): string => /^(.+?[.!?])\s+(?=[A-Z`])/s.exec(text)?.[1] ?? text;

const versionNote = (def: EventDefinition): string => {
  const lines = [
    def.version > 1
      ? `Schema version ${def.version}; versions 1 to ${def.version - 1} are upcast on read.`
      : 'Schema version 1.',
  ];
  for (const f of def.formerly ?? [])
    lines.push(`Formerly \`${f.type}\`: versions up to ${f.throughVersion} may be stored under that name.`);
  return lines.join(' ');
};

const message = (def: EventDefinition): JsonObject => ({
  name: def.type,
  title: title(def.type),
  summary: firstSentence(def.description),
  description: `${def.description}\n\n${versionNote(def)} Written by \`${def.owner}\` only.`,
  contentType: 'application/json',
  headers: schemaRef('EventHeaders'),
  payload: envelopeSchema(def),
  correlationId: { $ref: '#/components/correlationIds/CorrelationId' },
  tags: [{ name: `context:${def.context}` }, { name: `owner:${def.owner}` }],
  'x-keel-owner': def.owner,
  'x-keel-context': def.context,
  'x-keel-version': def.version,
  ...(def.formerly?.length
    ? { 'x-keel-formerly': def.formerly.map((f) => ({ type: f.type, throughVersion: f.throughVersion })) }
    : {}),
});

const channel = (def: EventDefinition): JsonObject => ({
  address: eventSubject(def.context, def.type),
  title: title(def.type),
  summary: firstSentence(def.description),
  messages: { [def.type]: { $ref: `#/components/messages/${def.type}` } },
  'x-keel-jetstream-stream': EVENTS_STREAM,
});

const operation = (def: EventDefinition): JsonObject => ({
  action: 'send',
  channel: { $ref: `#/channels/${def.type}` },
  title: `${def.owner} sends ${def.type}`,
  summary: `Only \`${def.owner}\` writes ${def.type}; the relay publishes it once it is stored.`,
  messages: [{ $ref: `#/channels/${def.type}/messages/${def.type}` }],
  tags: [{ name: `owner:${def.owner}` }],
  'x-keel-owner': def.owner,
});

const DEAD_LETTER_CHANNEL: JsonObject = {
  address: DEAD_LETTER_ADDRESS,
  title: 'Dead letters',
  summary: "A consumer's messages it could not decode or handle.",
  description: `Where an app's durable consumer puts a message that did not come from the relay, then acknowledges it and goes on: one that does not decode (not JSON, an unknown type, a version it cannot upcast, a payload that breaks its schema) and carries no position stamp, or an event without a valid \`Keel-Position\` stamp (missing, malformed, unlike the payload's position, or past the store's head). A stamped event is never dead-lettered: a failing handler is retried in place until it succeeds, and one that cannot be applied halts the consumer. JetStream stream \`${DEAD_LETTER_STREAM}\` (\`${ALL_DEAD_LETTERS_SUBJECT}\`).`,
  parameters: {
    consumer: {
      description: 'The app whose consumer gave up (its durable consumer is `keel-<app>`).',
      examples: ['execution'],
    },
  },
  messages: { [DEAD_LETTERS]: { $ref: `#/components/messages/${DEAD_LETTERS}` } },
  'x-keel-jetstream-stream': DEAD_LETTER_STREAM,
};

const DEAD_LETTER_MESSAGE: JsonObject = {
  name: DEAD_LETTERS,
  title: 'Dead letter',
  summary: 'The original message, unchanged, with why it was given up on in its headers.',
  description:
    'The body is the bytes of the original message as they arrived on their `keel.evt.…` subject: normally an event envelope, but possibly not even JSON (that may be why it is here).',
  headers: ordered({
    type: 'object',
    required: [
      MSG_ID_HEADER,
      DLQ_REASON_HEADER,
      DLQ_SUBJECT_HEADER,
      DLQ_CONSUMER_HEADER,
      DLQ_DELIVERIES_HEADER,
    ],
    properties: {
      [MSG_ID_HEADER]: {
        type: 'string',
        description:
          '`keel-<app>:<events stream sequence>`: a retry after a lost acknowledgement lands in the DLQ once.',
      },
      [DLQ_REASON_HEADER]: {
        type: 'string',
        maxLength: 1001,
        description:
          "Why: the decode error (naming the field and value) or the handler's error, on one line, cut at 1000 characters (then `…`).",
      },
      [DLQ_SUBJECT_HEADER]: { type: 'string', description: 'The subject the message originally arrived on.' },
      [DLQ_CONSUMER_HEADER]: { type: 'string', description: 'The app whose consumer gave up on it.' },
      [DLQ_DELIVERIES_HEADER]: {
        type: 'string',
        pattern: '^[1-9][0-9]*$',
        description: 'How many times it had been delivered when it was dead-lettered, in decimal.',
      },
    },
  }),
  payload: { description: 'The original message body, byte for byte.' },
};

const DEAD_LETTER_OPERATION: JsonObject = {
  action: 'send',
  channel: { $ref: '#/channels/deadLetters' },
  title: 'Any consuming app dead-letters a message',
  summary: 'Every app with a durable consumer on the events stream may send here, on its own subject.',
  messages: [{ $ref: `#/channels/deadLetters/messages/${DEAD_LETTERS}` }],
};

const ownersSection = (defs: readonly EventDefinition[]): string => {
  const owners = [...new Set(defs.map((d) => d.owner))].sort(byName);
  return owners
    .map(
      (o) =>
        `- \`${o}\`: ${defs
          .filter((d) => d.owner === o)
          .map((d) => d.type)
          .join(', ')}`,
    )
    .join('\n');
};

const infoDescription = (defs: readonly EventDefinition[]): string =>
  [
    'Every event Keel stores and publishes: the public, versioned contract between its apps. Generated from the event catalog (`EVENT_DEFINITIONS` in `libs/events`) by `npm run --silent keel -- contract asyncapi`; CI fails when this document and the catalog differ.',
    '## Envelope',
    'A message body is the JSON of the whole recorded event: `eventId`, `type`, `schemaVersion`, `stream`, `streamRevision`, `globalPosition`, `recordedAt`, `occurredAt`, `correlationId`, `causationId`, `producer`, and `data`, the payload of that type. Money and quantities are exact decimal strings, never floats (`-12.5`, `0.001`, `42`: the `Decimal` and `PositiveDecimal` schemas); times are ISO-8601 UTC strings, `2024-01-01T00:00:00.000Z` (`Timestamp`).',
    '## Subjects and delivery',
    `Each type has one subject, \`keel.evt.<context>.<kebab-case type>\`, in the JetStream stream \`${EVENTS_STREAM}\` (\`${ALL_EVENTS_SUBJECT}\`). Apps never publish directly: they append to the event store, the source of truth, and the relay publishes what is stored, so an event reaches NATS only once it is stored and at least once after that. \`Nats-Msg-Id\` (the event id) lets JetStream drop re-publishes; consumers are idempotent by \`globalPosition\`. A message a consumer cannot decode or handle goes to its dead-letter subject (\`keel.dlq.<app>\`).`,
    '## Versioning and upcasting',
    'Each type has one owner app, its only writer, and a current schema version. A payload schema never changes in place: a change that old readers or old stored events would break adds a version, with an upcaster lifting version n to n + 1. Stored events keep the version they were written with; reading one lifts it to the current version before it is validated, so published events carry the current version (`schemaVersion` is fixed per message here). Only optional fields may be added within a version. A renamed type lists the names it was stored under (`x-keel-formerly`); those are read as the new type and upcast.',
    '## Owner apps',
    ownersSection(defs),
  ].join('\n\n');

/** The AsyncAPI 3.0.0 document of a catalog (by default Keel's own). */
export const asyncApiDocument = (definitions: EventDefinitionsLike = EVENT_DEFINITIONS): JsonObject => {
  const defs = Object.values(definitions).sort((a, b) => byName(a.type, b.type));
  const each = (f: (d: EventDefinition) => Json, key = (d: EventDefinition) => d.type): JsonObject =>
    Object.fromEntries(defs.map((d) => [key(d), f(d)]));
  return {
    asyncapi: '3.0.0',
    id: 'urn:keel:events',
    info: {
      title: 'Keel events',
      version: packageVersion,
      description: infoDescription(defs),
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: DEFAULT_NATS_HOST,
        protocol: 'nats',
        title: 'Local NATS (the default)',
        description: `The default NATS server (\`KEEL_NATS_URL\` = \`nats://${DEFAULT_NATS_HOST}\`), with JetStream. Production points every app at its NATS cluster instead; subjects and streams are the same.`,
      },
    },
    channels: { ...each(channel), deadLetters: DEAD_LETTER_CHANNEL },
    operations: { ...each(operation, (d) => `send${d.type}`), sendDeadLetter: DEAD_LETTER_OPERATION },
    components: {
      schemas: { ...SHARED_SCHEMAS, ...each(dataSchema, (d) => dataSchemaName(d.type)) },
      messages: { ...each(message), [DEAD_LETTERS]: DEAD_LETTER_MESSAGE },
      correlationIds: {
        CorrelationId: {
          description: 'The request or flow an event belongs to.',
          location: '$message.payload#/correlationId',
        },
      },
    },
  };
};
