/**
 * Request/reply inside one process (the in-memory bus, the simulation's bus): responders by
 * subject (exact match), taken in turn as a NATS queue group would; messages are copied both
 * ways and header names lower-cased, as they would be after a trip through NATS.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { InfrastructureError, infrastructureError } from '@keel/events';
import { BusMessage, EventBus, Responder, Service } from './port';

const COMPONENT = 'bus';

export const createInProcessRequests = (isClosed: () => boolean): Pick<EventBus, 'serve' | 'request'> => {
  const responders = new Map<string, { list: Responder[]; next: number }>();
  const copy = (m: BusMessage): BusMessage => ({
    data: m.data.slice(),
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v])),
  });
  const serve = (
    subject: string,
    _queue: string,
    responder: Responder,
  ): TE.TaskEither<InfrastructureError, Service> =>
    TE.fromIO(() => {
      const entry = responders.get(subject) ?? { list: [], next: 0 };
      responders.set(subject, entry);
      const inFlight = new Set<Promise<unknown>>();
      const wrapped: Responder = (m) => {
        const p = responder(m);
        inFlight.add(p);
        void p.then(
          () => inFlight.delete(p),
          () => inFlight.delete(p),
        );
        return p;
      };
      entry.list.push(wrapped);
      return {
        stop: async () => {
          entry.list = entry.list.filter((r) => r !== wrapped);
          await Promise.allSettled([...inFlight]);
        },
      };
    });
  const request =
    (
      subject: string,
      message: BusMessage,
      timeoutMs: number,
    ): TE.TaskEither<InfrastructureError, BusMessage> =>
    async () => {
      if (isClosed())
        return E.left(infrastructureError(COMPONENT, `request ${subject}`, 'the bus is closed'));
      const entry = responders.get(subject);
      const responder =
        entry && entry.list.length > 0 ? entry.list[entry.next++ % entry.list.length] : undefined;
      if (!responder) return E.left(infrastructureError(COMPONENT, `request ${subject}`, 'no responders'));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return E.right(copy(await Promise.race([responder(copy(message)), timeout])));
      } catch (e) {
        return E.left(infrastructureError(COMPONENT, `request ${subject}`, e));
      } finally {
        clearTimeout(timer);
      }
    };

  return { serve, request };
};
