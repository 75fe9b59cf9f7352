import { withCredentials } from './kurrentdb.store';

describe('KurrentDB credentials given apart from the connection string', () => {
  it('puts the user into the connection string, escaped, keeping host, path and options', () => {
    expect(
      withCredentials('kurrentdb://kurrentdb:2113?tls=true&tlsCAFile=/certs/ca/ca.crt', {
        username: 'admin',
        password: 'p@ss:w/rd',
      }),
    ).toBe('kurrentdb://admin:p%40ss%3Aw%2Frd@kurrentdb:2113?tls=true&tlsCAFile=/certs/ca/ca.crt');
    expect(withCredentials('kurrentdb+discover://a:2113,b:2113', { username: 'ops', password: 'x' })).toBe(
      'kurrentdb+discover://ops:x@a:2113,b:2113',
    );
  });

  it('leaves a connection string that names its own user, and one without credentials given', () => {
    expect(withCredentials('kurrentdb://me:pw@host:2113', { username: 'admin', password: 'x' })).toBe(
      'kurrentdb://me:pw@host:2113',
    );
    expect(withCredentials('kurrentdb://host:2113?tls=false', undefined)).toBe(
      'kurrentdb://host:2113?tls=false',
    );
    expect(withCredentials('kurrentdb://host:2113', { username: '', password: 'x' })).toBe(
      'kurrentdb://host:2113',
    );
  });
});
