/**
 * Child process for the relay kill test: a writer appending events to the SQLite store and
 * the relay publishing them to NATS, in one process, to be SIGKILLed at a random point.
 * argv: <store path> <nats url> <trial> <mode: write | relay-only>
 * Prints "ready" once the relay runs, "caught-up <position>" in relay-only mode when done.
 */
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, NewEvent } from '@keel/events';
import { openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus } from '@keel/bus';
import { startRelay } from './relay';

const [storePath, natsUrl, trialArg, mode] = process.argv.slice(2);
const trial = Number(trialArg);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const main = async (): Promise<void> => {
  const store = openSqliteEventStore({ path: storePath!, pollIntervalMs: 5 });
  if (E.isLeft(store)) throw new Error(JSON.stringify(store.left));
  const bus = await connectNatsBus({ servers: natsUrl!, name: `relay-kill-${trial}` })();
  if (E.isLeft(bus)) throw new Error(JSON.stringify(bus.left));
  // Small batches so kills land between publishes as well as inside them.
  const relay = await startRelay({ store: store.right, bus: bus.right, logger: quiet, batchSize: 7 });
  if (E.isLeft(relay)) throw new Error(JSON.stringify(relay.left));
  process.stdout.write('ready\n');

  if (mode === 'relay-only') {
    for (;;) {
      const head = await store.right.headPosition()();
      if (E.isRight(head) && relay.right.position() >= head.right) {
        process.stdout.write(`caught-up ${head.right}\n`);
        await relay.right.stop();
        await bus.right.close();
        await store.right.close();
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // Write until killed: batches of 1–5 events to one of 5 streams, ids from (trial, seq).
  for (let seq = 0; ;) {
    const n = 1 + (seq % 5);
    const events: NewEvent[] = [];
    for (let i = 0; i < n; i++, seq++) {
      const e = newEvent(
        'TargetPositionSet',
        deriveId('relay-kill', trial, seq),
        {
          accountId: `acc-${seq % 5}`,
          instrument: 'BTCUSDT',
          targetQty: `${seq}.5`,
          horizonSec: 60,
          reason: `trial ${trial} seq ${seq}`,
        },
        {
          correlationId: `trial-${trial}`,
          causationId: null,
          producer: 'relay-kill-test',
          occurredAt: new Date(0).toISOString(),
        },
      );
      if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
      events.push(e.right);
    }
    const r = await store.right.append(`portfolio-acc-${trial % 5}`, events, 'any')();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    await new Promise((res) => setImmediate(res));
  }
};

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
