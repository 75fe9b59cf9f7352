import * as E from 'fp-ts/Either';
import { markArrival } from './arrival-marking';
import { chicagoInstant } from './local-date';

const ct = (date: string, time = '10:00'): number => chicagoInstant(date, time);

describe('markArrival (the market marking of PredictionReceived, v3 on)', () => {
  it('marks a CME:GC prediction on Saturday closed, effective at the Sunday 17:00 CT open', () => {
    expect(markArrival('CME:GC', ct('2025-11-22', '10:00'))).toEqual(
      E.right({
        state: 'weekend',
        receivedWhileClosed: true,
        receivedAt: '2025-11-22T16:00:00.000Z',
        effectiveAt: '2025-11-23T23:00:00.000Z',
      }),
    );
  });
  it('marks one received while open as effective at once', () => {
    expect(markArrival('CME:ES', ct('2025-11-24', '10:00'))).toEqual(
      E.right({
        state: 'open',
        receivedWhileClosed: false,
        receivedAt: '2025-11-24T16:00:00.000Z',
        effectiveAt: '2025-11-24T16:00:00.000Z',
      }),
    );
  });
  it('leaves a crypto symbol unmarked, and names `at` and `root` on bad input', () => {
    expect(markArrival('BTCUSDT', ct('2025-11-22', '10:00'))).toEqual(E.right(null));
    expect(markArrival('CME:GC', Date.parse('2031-01-01T00:00:00Z'))).toEqual(
      E.left(expect.objectContaining({ path: 'at' })),
    );
    expect(markArrival('CME:XX', ct('2025-11-22', '10:00'))).toEqual(
      E.left(expect.objectContaining({ path: 'root', value: 'XX' })),
    );
  });
});
