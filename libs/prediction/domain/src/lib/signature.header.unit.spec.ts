/**
 * The `Keel-Signature` header (Stripe's scheme): `t=<unix seconds>,v1=<hex>[,v1=…]`. Parsed
 * into its parts, other schemes ignored; anything else is a reason for the 401 — a fixed
 * sentence that never repeats what was sent, so a MAC never lands in a response or a log.
 */
import fc from 'fast-check';
import { parseSignatureHeader } from './signature.header';

const MAC_A = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);
const MAC_B = '5f'.repeat(32);
const T = 1_772_452_800; // 2026-03-02T12:00:00Z

const reason = (header: string | undefined): string => {
  const r = parseSignatureHeader(header);
  if (typeof r !== 'string') throw new Error(`expected a reason, got ${JSON.stringify(r)}`);
  return r;
};

describe('parseSignatureHeader', () => {
  it('reads t and one v1', () => {
    expect(parseSignatureHeader(`t=${T},v1=${MAC_A}`)).toEqual({ t: T, v1: [MAC_A] });
  });

  it('reads several v1 in the order sent (a key rotating: old and new secret)', () => {
    expect(parseSignatureHeader(`t=${T},v1=${MAC_A},v1=${MAC_B}`)).toEqual({ t: T, v1: [MAC_A, MAC_B] });
  });

  it('takes the parts in any order', () => {
    expect(parseSignatureHeader(`v1=${MAC_B},t=${T}`)).toEqual({ t: T, v1: [MAC_B] });
  });

  it('ignores schemes it does not know (v0, future ones), even malformed', () => {
    expect(parseSignatureHeader(`t=${T},v0=${'0'.repeat(64)},v1=${MAC_A},v2=not-hex,x=`)).toEqual({
      t: T,
      v1: [MAC_A],
    });
  });

  it('tolerates spaces around parts, keys and values', () => {
    expect(parseSignatureHeader(` t = ${T} ,  v1=${MAC_A} , v1 = ${MAC_B}  `)).toEqual({
      t: T,
      v1: [MAC_A, MAC_B],
    });
  });

  it('accepts t = 0 and up to 12 digits of seconds', () => {
    expect(parseSignatureHeader(`t=0,v1=${MAC_A}`)).toEqual({ t: 0, v1: [MAC_A] });
    expect(parseSignatureHeader(`t=999999999999,v1=${MAC_A}`)).toEqual({ t: 999_999_999_999, v1: [MAC_A] });
  });

  it('accepts eight v1 entries and refuses nine', () => {
    const v1s = (n: number) => Array.from({ length: n }, (_, i) => `v1=${String(i).repeat(64)}`).join(',');
    expect(parseSignatureHeader(`t=${T},${v1s(8)}`)).toMatchObject({ t: T, v1: expect.any(Array) });
    expect(reason(`t=${T},${v1s(9)}`)).toBe('Keel-Signature has too many v1 entries');
  });

  it.each([
    ['no header', undefined, 'Keel-Signature header is missing'],
    ['an empty header', '', 'Keel-Signature header is missing'],
    [
      'a header over 1024 characters',
      `t=${T},` + `v1=${MAC_A},`.repeat(16),
      'Keel-Signature header is too long',
    ],
    ['a bare MAC', MAC_A, 'Keel-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>'],
    ['a part without =', `t=${T},${MAC_A}`, 'Keel-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>'],
    ['an empty part', `t=${T},,v1=${MAC_A}`, 'Keel-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>'],
    [
      't in milliseconds past 12 digits',
      `t=1772452800000,v1=${MAC_A}`,
      'Keel-Signature t must be unix seconds',
    ],
    ['a negative t', `t=-1,v1=${MAC_A}`, 'Keel-Signature t must be unix seconds'],
    ['a fractional t', `t=1772452800.5,v1=${MAC_A}`, 'Keel-Signature t must be unix seconds'],
    ['an ISO t', `t=2026-03-02T12:00:00Z,v1=${MAC_A}`, 'Keel-Signature t must be unix seconds'],
    ['an empty t', `t=,v1=${MAC_A}`, 'Keel-Signature t must be unix seconds'],
    [
      'a v1 in upper case',
      `t=${T},v1=${MAC_A.toUpperCase()}`,
      'Keel-Signature v1 must be 64 lower-case hex digits',
    ],
    [
      'a v1 one digit short',
      `t=${T},v1=${MAC_A.slice(1)}`,
      'Keel-Signature v1 must be 64 lower-case hex digits',
    ],
    ['a v1 one digit long', `t=${T},v1=${MAC_A}0`, 'Keel-Signature v1 must be 64 lower-case hex digits'],
    [
      'a v1 in base64',
      `t=${T},v1=${Buffer.from(MAC_A, 'hex').toString('base64')}`,
      'Keel-Signature v1 must be 64 lower-case hex digits',
    ],
    [
      'a v1 with a non-hex digit',
      `t=${T},v1=${MAC_A.slice(0, 63)}g`,
      'Keel-Signature v1 must be 64 lower-case hex digits',
    ],
    [
      'a good v1 next to a bad one',
      `t=${T},v1=${MAC_A},v1=${MAC_B.slice(2)}`,
      'Keel-Signature v1 must be 64 lower-case hex digits',
    ],
    ['no t', `v1=${MAC_A}`, 'Keel-Signature has no t='],
    ['no v1', `t=${T}`, 'Keel-Signature has no v1='],
    ['only other schemes', `t=${T},v0=${MAC_A}`, 'Keel-Signature has no v1='],
  ])('refuses %s with a reason', (_, header, expected) => {
    expect(reason(header)).toBe(expected);
  });

  it('never echoes a MAC (or any part of the header) in its reason', () => {
    const hex = fc.stringMatching(/^[0-9a-fA-F]{8,80}$/);
    const malformed = fc.oneof(
      hex.map((h) => ({ mac: h, header: h })),
      hex.map((h) => ({ mac: h, header: `t=${T},v1=${h}x` })),
      hex.map((h) => ({ mac: h, header: `t=${T},v1=${h.toUpperCase()}G` })),
      hex.map((h) => ({ mac: h, header: `v1=${h}` })),
      hex.map((h) => ({ mac: h, header: `t=${h}.,v1=${MAC_A}` })),
      hex.map((h) => ({ mac: h, header: `t=${T},${h}` })),
      hex.map((h) => ({ mac: h, header: `t=${T},v1=${h}`.padEnd(1100, ' ') })),
    );
    fc.assert(
      fc.property(malformed, ({ mac, header }) => {
        const r = parseSignatureHeader(header);
        expect(typeof r).toBe('string');
        expect((r as string).toLowerCase()).not.toContain(mac.toLowerCase());
        expect(r as string).not.toContain(MAC_A);
      }),
    );
  });
});
