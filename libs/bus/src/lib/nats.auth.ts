/**
 * Who may do what on NATS: one user per process, each allowed only the subjects it needs, so
 * that the relay alone can write the truth. Without this, anyone who can reach the server can
 * publish a schema-valid event on `keel.evt.>` (the consumers take positions only from the
 * relay's stamp, but a forger with the relay's rights could stamp too).
 *
 *   relay     publish `keel.evt.>` and manage the streams (`$JS.API.>`): the one writer
 *   app       for each name X it consumes as: its own durable `keel-X` on KEEL_EVENTS (info,
 *             create, re-create, pull, ack) and its own dead-letter subject `keel.dlq.X`; the
 *             request subjects it serves (subscribe, replies allowed) or sends to; never
 *             `keel.evt.>`
 *             and, for the lease buckets it is given (gateways), create, read and write their keys
 *   producer  requests on the subjects it sends to (a model submitting predictions)
 *   (every one may look: JetStream's and the two streams' info, which the bus reads at connect)
 *   admin     everything (operators' tools: `keel dlq`, `keel status`, tests)
 *
 * `natsAuthorization` renders these as a nats-server configuration block (`authorization {
 * users = [...] }`); the server then refuses an unauthenticated connection and every publish
 * or subscription outside a user's rights. Passwords are given, never generated here: the
 * caller keeps them (`keel start` / `keel demo` make a random one per app and hand each app
 * only its own, in `KEEL_NATS_USER` / `KEEL_NATS_PASSWORD`).
 */
import {
  DEAD_LETTER_STREAM,
  EVENTS_STREAM,
  ALL_EVENTS_SUBJECT,
  deadLetterSubject,
  durableName,
} from '@keel/events';

export type BusRole =
  | { readonly kind: 'relay' }
  | {
      readonly kind: 'app';
      /**
       * The names it consumes as (`ConsumeOptions.app`; usually one): for each, its durable
       * `keel-<name>` and its dead-letter subject `keel.dlq.<name>`.
       */
      readonly consumers: readonly string[];
      /** Request subjects it answers (core request/reply). */
      readonly serves?: readonly string[];
      /** Request subjects it sends to. */
      readonly requests?: readonly string[];
      /** Key-value buckets of leases it takes (lease.ts: a gateway's one owner per account). */
      readonly leases?: readonly string[];
    }
  | { readonly kind: 'producer'; readonly requests: readonly string[] }
  | { readonly kind: 'admin' };

export interface BusUser {
  readonly user: string;
  /**
   * The password itself (a session's own server), or the environment variable the server
   * reads it from when it loads the configuration (`$NAME`: a deployment's secret store).
   */
  readonly password: string | { readonly env: string };
  readonly role: BusRole;
}

export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer the requests it received (reply subjects), nothing more. */
  readonly allowResponses: boolean;
}

const INBOX = '_INBOX.>';

/** What every client of the bus asks at connect: JetStream is there, and so are its streams. */
const LOOK = [
  '$JS.API.INFO',
  `$JS.API.STREAM.INFO.${EVENTS_STREAM}`,
  `$JS.API.STREAM.INFO.${DEAD_LETTER_STREAM}`,
];

/** The subjects a role may publish on and subscribe to. */
export const permissionsOf = (role: BusRole): Permissions => {
  switch (role.kind) {
    case 'relay':
      return { publish: [ALL_EVENTS_SUBJECT, '$JS.API.>'], subscribe: [INBOX], allowResponses: false };
    case 'admin':
      return { publish: ['>'], subscribe: ['>'], allowResponses: true };
    case 'producer':
      return { publish: [...LOOK, ...role.requests], subscribe: [INBOX], allowResponses: false };
    case 'app': {
      const api = '$JS.API';
      const own = role.consumers.flatMap((app) => {
        const d = durableName(app);
        return [
          `${api}.CONSUMER.INFO.${EVENTS_STREAM}.${d}`,
          // Created with the durable's filter subject in the request subject (servers ≥ 2.9),
          // or by the older durable API; re-created from its ack floor after a gap.
          `${api}.CONSUMER.CREATE.${EVENTS_STREAM}.${d}`,
          `${api}.CONSUMER.CREATE.${EVENTS_STREAM}.${d}.>`,
          `${api}.CONSUMER.DURABLE.CREATE.${EVENTS_STREAM}.${d}`,
          `${api}.CONSUMER.DELETE.${EVENTS_STREAM}.${d}`,
          `${api}.CONSUMER.MSG.NEXT.${EVENTS_STREAM}.${d}`,
          `$JS.ACK.${EVENTS_STREAM}.${d}.>`,
          deadLetterSubject(app),
        ];
      });
      const leases = (role.leases ?? []).flatMap((bucket) => {
        const stream = `KV_${bucket}`;
        return [
          `${api}.STREAM.INFO.${stream}`,
          `${api}.STREAM.CREATE.${stream}`,
          `${api}.DIRECT.GET.${stream}`,
          `${api}.DIRECT.GET.${stream}.>`,
          `${api}.STREAM.MSG.GET.${stream}`,
          `$KV.${bucket}.>`,
        ];
      });
      return {
        publish: [...LOOK, ...own, ...leases, ...(role.requests ?? [])],
        subscribe: [INBOX, ...(role.serves ?? [])],
        allowResponses: (role.serves ?? []).length > 0,
      };
    }
  }
};

/** A string as a nats-server configuration literal (double-quoted, escaped). */
const literal = (s: string): string => JSON.stringify(s);

const list = (xs: readonly string[]): string => `[${xs.map(literal).join(', ')}]`;

/** The `authorization` block of a nats-server configuration for these users. */
export const natsAuthorization = (users: readonly BusUser[]): string => {
  const seen = new Set<string>();
  const entries = users.map((u) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(u.user))
      throw new Error(`NATS user ${JSON.stringify(u.user)}: letters, digits, "_", "." and "-" only`);
    if (seen.has(u.user)) throw new Error(`NATS user ${JSON.stringify(u.user)} is listed twice`);
    seen.add(u.user);
    if (typeof u.password === 'string' && u.password.length < 16)
      throw new Error(`NATS user ${u.user}: the password must have at least 16 characters`);
    if (typeof u.password !== 'string' && !/^[A-Z][A-Z0-9_]*$/.test(u.password.env))
      throw new Error(
        `NATS user ${u.user}: ${JSON.stringify(u.password.env)} is not an environment variable name`,
      );
    const p = permissionsOf(u.role);
    return [
      `    {`,
      `      user: ${literal(u.user)}`,
      `      password: ${typeof u.password === 'string' ? literal(u.password) : `$${u.password.env}`}`,
      `      permissions: {`,
      `        publish: { allow: ${list(p.publish)} }`,
      `        subscribe: { allow: ${list(p.subscribe)} }`,
      ...(p.allowResponses ? [`        allow_responses: true`] : []),
      `      }`,
      `    }`,
    ].join('\n');
  });
  return [`authorization {`, `  users = [`, entries.join('\n'), `  ]`, `}`, ''].join('\n');
};
