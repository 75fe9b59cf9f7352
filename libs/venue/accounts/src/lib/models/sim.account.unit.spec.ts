/** The simulator's account model: its own body read back, exactly. */
import * as E from 'fp-ts/Either';
import { exact } from '@keel/instruments';
import { simAccount } from './sim.account';

const body = (total: string, locked: string) => ({
  account: {
    currency: 'USDT',
    at: 1,
    leverage: '10',
    balances: [{ asset: 'USDT', total, locked }],
    positions: [],
  },
});

describe('sim account model', () => {
  it('derives free = total − locked exactly, however many digits (decimal.js would round at 20)', () => {
    // Seen in a paper session: a lock with 18 decimals on a 6-digit balance.
    const r = simAccount(body('999933.477747449434174', '17177.4372217131652'), { instruments: [] });
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    const usdt = r.right.balances.find((b) => b.asset === 'USDT');
    expect(usdt?.free.toFixed()).toBe('982756.040525736268974');
    expect(usdt && exact(usdt.free).plus(usdt.locked).toFixed()).toBe('999933.477747449434174');
  });

  it('refuses a lock over the total, naming the path', () => {
    const r = simAccount(body('10', '11'), { instruments: [] });
    expect(E.isLeft(r) && r.left.path).toBe('account.balances[0].locked');
  });
});
