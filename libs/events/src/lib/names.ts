/**
 * Every NATS subject, JetStream name and event-store stream name in Keel is built here and
 * nowhere else, so the naming scheme is one reviewed, tested module (names.spec.ts pins
 * the exact strings). Subjects: `keel.evt.<context>.<event-name>`; streams:
 * `<context>-<entity id>`, whose category (the part before the first `-`) is the context.
 */
import * as E from 'fp-ts/Either';
import { ValidationError, validationError } from './errors';

export const CONTEXTS = [
  'prediction',
  'portfolio',
  'execution',
  'calendar',
  'balances',
  'market',
  'pnl',
  'venue',
  'control',
  'system',
] as const;
export type Context = (typeof CONTEXTS)[number];

const ENTITY_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;
const TOKEN = /^[a-z0-9-]{1,64}$/;

/** `OrderFilled` → `order-filled`. */
export const kebab = (eventType: string): string =>
  eventType
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

/** The subject an event type is published on. */
export const eventSubject = (context: Context, eventType: string): string =>
  `keel.evt.${context}.${kebab(eventType)}`;

/** Every event subject (JetStream stream filter). */
export const ALL_EVENTS_SUBJECT = 'keel.evt.>';

/** All event subjects of one context. */
export const contextSubject = (context: Context): string => `keel.evt.${context}.>`;

/** Where a consumer's undecodable or poisoned messages go, with the reason in headers. */
export const deadLetterSubject = (consumer: string): string =>
  `keel.dlq.${assertToken('consumer', consumer)}`;
export const ALL_DEAD_LETTERS_SUBJECT = 'keel.dlq.>';

/** JetStream stream names. */
export const EVENTS_STREAM = 'KEEL_EVENTS';
export const DEAD_LETTER_STREAM = 'KEEL_DLQ';

/** The durable consumer name of an app (one per app; replicas share it). */
export const durableName = (app: string): string => `keel-${assertToken('app', app)}`;

/** `<context>-<entity id>`; validates the entity id so a stream name never needs escaping. */
export const streamName = (context: Context, entityId: string): E.Either<ValidationError, string> =>
  ENTITY_ID.test(entityId)
    ? E.right(`${context}-${entityId}`)
    : E.left(validationError('/entityId', entityId, `must match ${ENTITY_ID.source}`));

/** The category of a stream: its context. */
export const streamCategory = (stream: string): string => {
  const i = stream.indexOf('-');
  return i < 0 ? stream : stream.slice(0, i);
};

/** A snapshot key for an app's folded state (see runtime's start-up path). */
export const appSnapshotKey = (app: string): string => `app:${assertToken('app', app)}`;

function assertToken(what: string, s: string): string {
  if (!TOKEN.test(s)) throw new Error(`${what} name ${JSON.stringify(s)} must match ${TOKEN.source}`);
  return s;
}
