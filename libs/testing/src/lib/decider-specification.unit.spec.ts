/**
 * The spec helper itself: each `then…` passes on the right outcome and throws on a wrong one,
 * so a spec written with it can fail. A toy bank-account decider with a context (the
 * overdraft limit), switched on a lifecycle union like the domain deciders.
 */
import * as E from 'fp-ts/Either';
import type { Decider } from '@keel/decider';
import { DeciderSpecification } from './decider-specification';

type Cmd =
  { readonly type: 'Open'; readonly id: string } | { readonly type: 'Withdraw'; readonly amount: number };
type Ev =
  { readonly type: 'Opened'; readonly id: string } | { readonly type: 'Withdrawn'; readonly amount: number };
type St = { readonly status: 'New' } | { readonly status: 'Open'; readonly balance: number };
type Err =
  | { readonly _tag: 'IllegalStateError'; readonly message: string }
  | { readonly _tag: 'ValidationError'; readonly path: string; readonly value: unknown };

const account: Decider<Cmd, St, Ev, Err, { readonly overdraft: number }> = {
  decide: (c, s, ctx) => {
    switch (c.type) {
      case 'Open':
        return s.status === 'New' ? E.right([{ type: 'Opened', id: c.id }]) : E.right([]);
      case 'Withdraw':
        if (s.status !== 'Open') return E.left({ _tag: 'IllegalStateError', message: 'not open' });
        if (c.amount <= 0 || s.balance - c.amount < -ctx.overdraft)
          return E.left({ _tag: 'ValidationError', path: '/amount', value: c.amount });
        return E.right([{ type: 'Withdrawn', amount: c.amount }]);
      default: {
        const never: never = c;
        return never;
      }
    }
  },
  evolve: (s, e) => {
    switch (e.type) {
      case 'Opened':
        return { status: 'Open', balance: 0 };
      case 'Withdrawn':
        return s.status === 'Open' ? { ...s, balance: s.balance - e.amount } : s;
      default: {
        const never: never = e;
        return never;
      }
    }
  },
  initialState: () => ({ status: 'New' }),
};

const spec = DeciderSpecification.for(account, { overdraft: 100 });
const opened: readonly Ev[] = [{ type: 'Opened', id: 'a1' }];

describe('then', () => {
  it('passes when the decided events are the expected ones, matchers allowed', () => {
    spec
      .given(opened)
      .when({ type: 'Withdraw', amount: 30 })
      .then([{ type: 'Withdrawn', amount: 30 }]);
    spec
      .given(opened)
      .when({ type: 'Withdraw', amount: 30 })
      .then([expect.objectContaining({ type: 'Withdrawn' })]);
  });

  it('folds the given events: the history decides the outcome', () => {
    spec
      .given([...opened, { type: 'Withdrawn', amount: 90 }])
      .when({ type: 'Withdraw', amount: 20 })
      .thenFails('ValidationError');
  });

  it('throws on other events, on missing events, and on a refusal', () => {
    expect(() =>
      spec
        .given(opened)
        .when({ type: 'Withdraw', amount: 30 })
        .then([{ type: 'Withdrawn', amount: 31 }]),
    ).toThrow();
    expect(() => spec.given(opened).when({ type: 'Withdraw', amount: 30 }).then([])).toThrow();
    expect(() =>
      spec
        .given([])
        .when({ type: 'Withdraw', amount: 30 })
        .then([{ type: 'Withdrawn', amount: 30 }]),
    ).toThrow(/refused it: .*not open/);
  });
});

describe('thenNothing', () => {
  it('passes when the command is accepted with no events', () => {
    spec.given(opened).when({ type: 'Open', id: 'a1' }).thenNothing();
  });

  it('throws on events and on a refusal', () => {
    expect(() => spec.given([]).when({ type: 'Open', id: 'a1' }).thenNothing()).toThrow();
    expect(() => spec.given([]).when({ type: 'Withdraw', amount: 1 }).thenNothing()).toThrow(/refused it/);
  });
});

describe('thenFails', () => {
  it('passes on a refusal: any, by tag, by predicate, or by the error itself', () => {
    const when = spec.given([]).when({ type: 'Withdraw', amount: 1 });
    when.thenFails();
    when.thenFails('IllegalStateError');
    when.thenFails((e) => e._tag === 'IllegalStateError' && e.message === 'not open');
    when.thenFails({ _tag: 'IllegalStateError', message: 'not open' });
    spec
      .given(opened)
      .when({ type: 'Withdraw', amount: -5 })
      .thenFails(expect.objectContaining({ path: '/amount', value: -5 }));
  });

  it('throws when the command is accepted', () => {
    expect(() => spec.given(opened).when({ type: 'Withdraw', amount: 1 }).thenFails()).toThrow(
      /decided: .*Withdrawn/,
    );
  });

  it('throws on another tag, a predicate that does not hold, or another error', () => {
    const when = spec.given([]).when({ type: 'Withdraw', amount: 1 });
    expect(() => when.thenFails('ValidationError')).toThrow();
    expect(() => when.thenFails(() => false)).toThrow(/does not meet/);
    expect(() => when.thenFails({ _tag: 'IllegalStateError', message: 'closed' })).toThrow();
  });
});

describe('a decider without a context', () => {
  const noCtx: Decider<Cmd, St, Ev, Err> = {
    ...account,
    decide: (c, s) => account.decide(c, s, { overdraft: 0 }),
  };

  it('takes no context argument', () => {
    DeciderSpecification.for(noCtx)
      .given(opened)
      .when({ type: 'Withdraw', amount: 1 })
      .thenFails('ValidationError');
  });
});
