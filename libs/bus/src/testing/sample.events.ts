/**
 * Valid recorded events made up for the contract suite and the benchmark. Ids derive from
 * (seed, position) so each test run has its own events (no dedupe across tests) and a
 * failure can be reproduced.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, deriveId, describeError, newEvent } from '@keel/events';

export type SampleType = 'PredictionReceived' | 'TargetPositionSet' | 'AccountEquityUpdated';

const AT = '2024-01-01T00:00:00.000Z';

/** One recorded event at `position` (also its stream revision). */
export const sampleEvent = (
  seed: string,
  position: number,
  type: SampleType = 'PredictionReceived',
): RecordedEvent => {
  const eventId = deriveId('bus-sample', seed, position);
  const meta = { correlationId: `corr-${seed}`, causationId: null, producer: 'bus-tests', occurredAt: AT };
  const made =
    type === 'PredictionReceived'
      ? newEvent(
          type,
          eventId,
          {
            predictionId: `p-${position}`,
            modelId: 'm1',
            instrument: 'BTC-PERP',
            kind: 'signal',
            value: 0.25,
            confidence: null,
            horizonSec: 60,
            ttlSec: null,
            generatedAt: AT,
          },
          meta,
        )
      : type === 'TargetPositionSet'
        ? newEvent(
            type,
            eventId,
            {
              accountId: 'acc-1',
              instrument: 'BTC-PERP',
              targetQty: '0.5',
              horizonSec: 300,
              reason: 'sample',
            },
            meta,
          )
        : newEvent(
            type,
            eventId,
            {
              accountId: 'acc-1',
              currency: 'USD',
              equity: '100000.00',
              asOf: AT,
              unrealizedPnl: null,
              collateral: null,
              unpriced: [],
              stale: null,
              haircuts: [],
            },
            meta,
          );
  if (E.isLeft(made)) throw new Error(`sample event is invalid: ${describeError(made.left)}`);
  return {
    ...made.right,
    stream: `sample-${seed}`,
    streamRevision: position - 1,
    globalPosition: position,
    recordedAt: AT,
  } as RecordedEvent;
};

/** Events at positions `from..to` inclusive; `typeAt` picks each one's type. */
export const sampleEvents = (
  seed: string,
  from: number,
  to: number,
  typeAt: (position: number) => SampleType = () => 'PredictionReceived',
): RecordedEvent[] => {
  const out: RecordedEvent[] = [];
  for (let p = from; p <= to; p++) out.push(sampleEvent(seed, p, typeAt(p)));
  return out;
};
