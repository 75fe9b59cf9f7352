/**
 * signBody against a fixed vector. The same vector is pinned by the Python client, so a change
 * in how either side builds the signed payload shows up as a failing test on both.
 */
import { createHmac } from 'node:crypto';
import { signBody } from './signature';

const SECRET = 'whsec_test_secret_0123456789';

describe('signBody', () => {
  it('matches the cross-language vector', () => {
    // node -e "console.log(require('crypto').createHmac('sha256','whsec_test_secret_0123456789')
    //   .update('1700000000.{\"a\":1}').digest('hex'))"
    expect(signBody(SECRET, '{"a":1}', 1700000000)).toBe(
      't=1700000000,v1=10fb0e5eb2c2204d471e7d252958fb5af663638b8d24fc8dc03090a74bcc366c',
    );
  });

  it('signs the UTF-8 bytes of a string body: a string and its bytes sign alike', () => {
    const body = '{"instrument":"BTC/USDT:USDT","note":"€ ✓"}';
    expect(signBody(SECRET, Buffer.from(body, 'utf8'), 1700000123)).toBe(signBody(SECRET, body, 1700000123));
  });

  it('is HMAC-SHA256 of "<t>." followed by the body, in lower-case hex', () => {
    const body = Buffer.from('{"predictions":[]}');
    const mac = createHmac('sha256', SECRET).update('1712345678.').update(body).digest('hex');
    expect(signBody(SECRET, body, 1712345678)).toBe(`t=1712345678,v1=${mac}`);
  });

  it('depends on the timestamp, the body and the secret', () => {
    const base = signBody(SECRET, '{}', 1);
    expect(signBody(SECRET, '{}', 2)).not.toBe(base);
    expect(signBody(SECRET, '{ }', 1)).not.toBe(base);
    expect(signBody(`${SECRET}x`, '{}', 1)).not.toBe(base);
  });

  it.each([1.5, -1, Number.NaN, 2 ** 60])(
    'refuses a timestamp that is not a non-negative integer: %p',
    (t) => {
      expect(() => signBody(SECRET, '{}', t)).toThrow(RangeError);
    },
  );
});
