import { headerValue, parsePositionHeader } from './bus.headers';

describe('parsePositionHeader', () => {
  it('takes what a relay writes: a decimal integer from 1 to 2^53 − 1', () => {
    expect(parsePositionHeader('1')).toEqual({ ok: true, position: 1 });
    expect(parsePositionHeader('9007199254740991')).toEqual({ ok: true, position: 9007199254740991 });
  });

  it.each(['', 'abc', '0', '-1', '007', '1e9', '1.5', ' 12', '12 ', '9007199254740993', 'Infinity'])(
    'refuses %j, naming the header and the value',
    (value) => {
      const r = parsePositionHeader(value);
      expect(r).toEqual({ ok: false, reason: `Keel-Position ${JSON.stringify(value)} is not a position` });
    },
  );

  it('cuts a long forged value in its reason', () => {
    const r = parsePositionHeader('x'.repeat(500));
    expect(!r.ok && r.reason.length).toBeLessThan(120);
    expect(headerValue('a\nb')).toBe('a b');
  });
});
