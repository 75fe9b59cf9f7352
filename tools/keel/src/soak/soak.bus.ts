/**
 * The events stream as NATS holds it, read once from the start with an ordered consumer
 * (headers only): the `Keel-Position` of every message, in stream order, to judge that the
 * relay published every stored event once and in order across its kills and NATS's restarts.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@keel/events';
import { POSITION_HEADER } from '@keel/bus';

export const busPositions = async (o: {
  readonly url: string;
  readonly user: string;
  readonly password: string;
}): Promise<number[]> => {
  const nc = await connect({ servers: o.url, user: o.user, pass: o.password, name: 'keel-soak-check' });
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const reader = await jetstream(nc).consumers.get(EVENTS_STREAM, { headers_only: true });
    const out: number[] = [];
    let wanted = total;
    while (wanted > 0) {
      const batch = await reader.fetch({ max_messages: Math.min(wanted, 1000), expires: 5_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        out.push(Number(m.headers?.get(POSITION_HEADER) ?? NaN));
        wanted = m.info.pending;
      }
      if (got === 0) throw new Error(`the events stream stopped after ${out.length} of ${total} messages`);
    }
    return out;
  } finally {
    await nc.close();
  }
};

/** The `Keel-Position` of the last message on the events stream (0 when it is empty). */
export const lastPublished = async (o: {
  readonly url: string;
  readonly user: string;
  readonly password: string;
}): Promise<number> => {
  const nc = await connect({ servers: o.url, user: o.user, pass: o.password, name: 'keel-soak-check' });
  try {
    const jsm = await jetstreamManager(nc);
    const { last_seq, messages } = (await jsm.streams.info(EVENTS_STREAM)).state;
    if (messages === 0) return 0;
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq: last_seq });
    return Number(m?.header.get(POSITION_HEADER) ?? NaN);
  } finally {
    await nc.close();
  }
};
