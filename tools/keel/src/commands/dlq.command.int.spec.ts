/**
 * `keel dlq list` against a real nats-server with a session's users: the operator's
 * credentials read an app's dead letters; a wrong file or app name is a usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { connectNatsBus, EventBus, natsAuthorization } from '@keel/bus';
import { sampleEvents } from '@keel/bus/testing';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { UsageError } from '../cli.io';
import { captureIo } from '../test/cli.spec-helpers';
import { sessionNatsUsers } from '../supervise/nats-users';
import { dlqListCommand } from './dlq.command';

jest.setTimeout(60_000);

let dir: TempDir;
let server: NatsServer;
let credentials: string;
const users = sessionNatsUsers(['relay', 'execution']);
const buses: EventBus[] = [];

const connectAs = async (process: string): Promise<EventBus> => {
  const env = users.envFor(process);
  const r = await connectNatsBus({
    servers: server.url,
    name: `dlq-${process}`,
    user: env['KEEL_NATS_USER'] as string,
    password: env['KEEL_NATS_PASSWORD'] as string,
  })();
  if (E.isLeft(r)) throw new Error(r.left.message);
  buses.push(r.right);
  return r.right;
};

beforeAll(async () => {
  dir = await tempDir('keel-dlq');
  const conf = path.join(dir.path, 'nats.conf');
  fs.writeFileSync(conf, natsAuthorization(users.users), { mode: 0o600 });
  server = await startNatsServer({ args: ['-c', conf] });
  credentials = users.writeCredentials(dir.path, server.url);
});

afterAll(async () => {
  for (const b of buses) await b.close();
  await server?.dispose();
  await dir?.cleanup();
});

it("lists an app's dead letters with the operator's credentials, oldest first", async () => {
  const relay = await connectAs('relay');
  await relay.publishRaw(
    'keel.evt.prediction.prediction-received',
    new TextEncoder().encode('not an event'),
  )();
  await relay.publish(sampleEvents('dlq', 1, 1))();
  const execution = await connectAs('execution');
  const seen: number[] = [];
  const consumer = await execution.consume({ app: 'execution' }, (e) => void seen.push(e.globalPosition))();
  if (E.isLeft(consumer)) throw new Error(consumer.left.message);
  for (let i = 0; i < 200 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
  await consumer.right.stop();

  const io = captureIo();
  const code = await dlqListCommand.run(
    ['--app', 'execution', '--nats', server.url, '--credentials', credentials],
    io,
  );
  expect(code).toBe(0);
  expect(io.results).toEqual([
    {
      app: 'execution',
      count: 1,
      deadLetters: [
        {
          consumer: 'execution',
          originalSubject: 'keel.evt.prediction.prediction-received',
          reason: expect.stringMatching(/not JSON/),
          payload: 'not an event',
        },
      ],
    },
  ]);
  const none = captureIo();
  expect(
    await dlqListCommand.run(
      ['--app', 'optimizer', '--nats', server.url, '--credentials', credentials],
      none,
    ),
  ).toBe(0);
  expect(none.results).toEqual([{ app: 'optimizer', count: 0, deadLetters: [] }]);
});

it('is a usage error without a valid --app, or with a credentials file that holds no operator', async () => {
  const io = captureIo();
  await expect(dlqListCommand.run(['--nats', server.url], io)).rejects.toThrow(UsageError);
  await expect(dlqListCommand.run(['--app', 'a b', '--nats', server.url], io)).rejects.toThrow(/--app/);
  const bad = path.join(dir.path, 'bad.json');
  fs.writeFileSync(bad, '{}');
  await expect(
    dlqListCommand.run(['--app', 'x', '--nats', server.url, '--credentials', bad], io),
  ).rejects.toThrow(/no operator user and password/);
});

it('says it cannot reach NATS, exit 1, when the operator is not authorised', async () => {
  const io = captureIo();
  expect(await dlqListCommand.run(['--app', 'execution', '--nats', server.url], io)).toBe(1);
  expect(io.progressLines.join('\n')).toMatch(/cannot reach NATS at .*: .*auth/i);
});
