/**
 * The shape and its two helpers, on a toy counter decider: a context-free one and one that
 * takes a context, as the domain deciders do.
 */
import * as E from 'fp-ts/Either';
import { Decider, foldEvents, handleCommand } from './decider';

type Cmd = { readonly type: 'Add'; readonly n: number };
type Ev = { readonly type: 'Added'; readonly n: number };
type St = { readonly total: number };

const counter: Decider<Cmd, St, Ev, string> = {
  decide: (c) => (c.n < 0 ? E.left('negative') : E.right(c.n === 0 ? [] : [{ type: 'Added', n: c.n }])),
  evolve: (s, e) => ({ total: s.total + e.n }),
  initialState: () => ({ total: 0 }),
};

const capped: Decider<Cmd, St, Ev, string, { readonly cap: number }> = {
  decide: (c, s, ctx) => (s.total + c.n > ctx.cap ? E.left(`over ${ctx.cap}`) : counter.decide(c, s)),
  evolve: counter.evolve,
  initialState: counter.initialState,
};

describe('Decider', () => {
  it('folds events from the initial state, or from a given one', () => {
    expect(
      foldEvents(counter, [
        { type: 'Added', n: 2 },
        { type: 'Added', n: 3 },
      ]),
    ).toEqual({ total: 5 });
    expect(foldEvents(counter, [{ type: 'Added', n: 2 }], { total: 10 })).toEqual({ total: 12 });
  });

  it('handles a command: the events decided and the state they lead to, or the refusal', () => {
    expect(handleCommand(counter, { type: 'Add', n: 4 }, { total: 1 }, undefined)).toEqual(
      E.right({ state: { total: 5 }, events: [{ type: 'Added', n: 4 }] }),
    );
    expect(handleCommand(counter, { type: 'Add', n: -1 }, { total: 1 }, undefined)).toEqual(
      E.left('negative'),
    );
  });

  it('passes the context to decide as it is', () => {
    expect(handleCommand(capped, { type: 'Add', n: 4 }, { total: 1 }, { cap: 10 })).toEqual(
      E.right({ state: { total: 5 }, events: [{ type: 'Added', n: 4 }] }),
    );
    expect(handleCommand(capped, { type: 'Add', n: 4 }, { total: 1 }, { cap: 3 })).toEqual(E.left('over 3'));
  });
});
