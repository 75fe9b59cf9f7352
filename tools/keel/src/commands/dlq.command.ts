/**
 * `keel dlq list --app <name>`: what an app's consumer dead-lettered (`keel.dlq.<name>`),
 * oldest first: the subject it came on, why, and the message as it arrived.
 *
 *   dlq list --app execution [--nats nats://127.0.0.1:4222] [--credentials <file>] [--json]
 *
 * NATS: --nats, else KEEL_NATS_URL / NATS_URL, else nats://127.0.0.1:4222; as the user in
 * --credentials (a session's `nats-credentials.json`: its `operator`), else KEEL_NATS_USER /
 * KEEL_NATS_PASSWORD, else none.
 *
 * Only messages that did not come from the relay are dead-lettered (garbage, or an event
 * without a valid position stamp: docs/architecture.md "Failure behaviour"), so there is no
 * replay: a stamped event is never dead-lettered (a failing one is retried, a poison one halts
 * its consumer), and putting an unstamped message back would only dead-letter it again.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { connectNatsBus } from '@keel/bus';
import { parseFlags, UsageError } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const OPTIONS = {
  app: {
    type: 'string',
    description: 'the consumer whose dead letters to list (e.g. execution, gateway-binance)',
  },
  nats: { type: 'string', description: 'NATS URL (default KEEL_NATS_URL, NATS_URL, nats://127.0.0.1:4222)' },
  credentials: {
    type: 'string',
    description:
      "a session's nats-credentials.json: connect as its operator (default KEEL_NATS_USER / _PASSWORD)",
  },
} as const satisfies OptionSpecs;

const credentialsOf = (
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): { user: string; password: string } | undefined => {
  if (file === undefined)
    return env['KEEL_NATS_USER']
      ? { user: env['KEEL_NATS_USER'], password: env['KEEL_NATS_PASSWORD'] ?? '' }
      : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--credentials ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  const op = (parsed as { operator?: { user?: unknown; password?: unknown } }).operator;
  if (typeof op?.user !== 'string' || typeof op.password !== 'string')
    throw new UsageError(`--credentials ${JSON.stringify(file)}: no operator user and password in it`);
  return { user: op.user, password: op.password };
};

export const dlqListCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const app = flags.app;
    if (app === undefined || !/^[A-Za-z0-9_-]+$/.test(app))
      throw new UsageError(
        `--app must name a consumer (letters, digits, "-", "_"; got ${JSON.stringify(app)})`,
      );
    const url =
      flags.nats ?? process.env['KEEL_NATS_URL'] ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
    const creds = credentialsOf(flags.credentials, process.env);
    const bus = await connectNatsBus({
      servers: url.split(','),
      name: 'keel-dlq',
      ...(creds ? { user: creds.user, password: creds.password } : {}),
    })();
    if (E.isLeft(bus)) {
      io.progress(`keel: cannot reach NATS at ${url}: ${bus.left.message}`);
      return 1;
    }
    try {
      const letters = await bus.right.deadLetters(app)();
      if (E.isLeft(letters)) {
        io.progress(`keel: cannot read the dead letters of ${app}: ${letters.left.message}`);
        return 1;
      }
      io.result({ app, count: letters.right.length, deadLetters: letters.right }, () =>
        letters.right.length === 0
          ? `${app}: no dead letters`
          : [
              `${app}: ${letters.right.length} dead letter(s), oldest first`,
              ...letters.right.map(
                (l, i) =>
                  `${i + 1}. ${l.originalSubject}: ${l.reason}\n   ${l.payload.length > 200 ? `${l.payload.slice(0, 200)}…` : l.payload}`,
              ),
            ].join('\n'),
      );
      return 0;
    } finally {
      await bus.right.close();
    }
  },
};
