import * as E from 'fp-ts/Either';
import { credentialPrefix, credentialsFor } from './venues';

describe('venue credentials from the environment', () => {
  it('names the variables after the account id', () => {
    expect(credentialPrefix('binance-main')).toBe('VENUE_BINANCE_MAIN_');
    expect(credentialPrefix('okx.sub@2')).toBe('VENUE_OKX_SUB_2_');
  });

  it('reads what each venue needs', () => {
    const env = {
      VENUE_A_API_KEY: 'k',
      VENUE_A_SECRET: 's',
      VENUE_A_PASSPHRASE: 'p',
      VENUE_A_WALLET_ADDRESS: '0xabc',
      VENUE_A_PRIVATE_KEY: '0x01',
    };
    expect(credentialsFor('binanceusdm', 'a', env)).toEqual(E.right({ apiKey: 'k', secret: 's' }));
    expect(credentialsFor('okx', 'a', env)).toEqual(E.right({ apiKey: 'k', secret: 's', passphrase: 'p' }));
    expect(credentialsFor('hyperliquid', 'a', env)).toEqual(
      E.right({ walletAddress: '0xabc', privateKey: '0x01' }),
    );
  });

  it('names every missing variable and never a value', () => {
    const r = credentialsFor('okx', 'okx-1', { VENUE_OKX_1_API_KEY: 'sekret-key' });
    expect(E.isLeft(r)).toBe(true);
    const msg = JSON.stringify(r);
    expect(msg).toContain('VENUE_OKX_1_SECRET');
    expect(msg).toContain('VENUE_OKX_1_PASSPHRASE');
    expect(msg).not.toContain('sekret-key');
  });
});
