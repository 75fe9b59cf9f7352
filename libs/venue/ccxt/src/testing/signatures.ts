/**
 * Server-side signature checks, written from each venue's documentation (not from ccxt), so
 * a passing test means ccxt signed the way the venue verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3';
import type { Verifier } from './fake-venue.server';

const same = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Binance USD-M SIGNED endpoints (TRADE, USER_DATA): `signature` = hex HMAC-SHA256 of
 * totalParams (query string concatenated with the body) under the secret key; the key goes in
 * the X-MBX-APIKEY header. https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info#signed-trade-and-user_data-endpoint-security
 */
export const binanceVerifier =
  (apiKey: string, secret: string): Verifier =>
  (req) => {
    const signed = /[?&]?signature=/.test(req.rawQuery) || /(^|&)signature=/.test(req.body);
    const isPrivate =
      /^\/fapi\/v[123]\/(order|openOrders|account|balance|positionRisk|userTrades|allOrders)$/.test(req.path);
    if (!signed && !isPrivate) return null;
    const reply = { status: 401, body: { code: -1022, msg: 'Signature for this request is not valid.' } };
    if (req.headers['x-mbx-apikey'] !== apiKey)
      return {
        error: 'X-MBX-APIKEY missing or wrong',
        reply: { status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } },
      };
    const strip = (s: string): { rest: string; sig: string | undefined } => {
      const m = /(?:^|&)signature=([0-9a-f]+)$/.exec(s);
      return m === null ? { rest: s, sig: undefined } : { rest: s.slice(0, m.index), sig: m[1] };
    };
    const q = strip(req.rawQuery);
    const b = strip(req.body);
    const sig = q.sig ?? b.sig;
    if (sig === undefined) return { error: 'no signature', reply };
    const totalParams = q.rest + b.rest;
    if (!/(^|&)timestamp=\d+/.test(totalParams)) return { error: 'no timestamp', reply };
    const expected = createHmac('sha256', secret).update(totalParams).digest('hex');
    return same(expected, sig) ? null : { error: `bad signature over "${totalParams}"`, reply };
  };

/**
 * OKX private REST: OK-ACCESS-SIGN = base64(HMAC-SHA256(timestamp + METHOD + requestPath +
 * body, secret)), with OK-ACCESS-KEY, OK-ACCESS-TIMESTAMP (ISO ms) and OK-ACCESS-PASSPHRASE.
 * https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature
 */
export const okxVerifier =
  (apiKey: string, secret: string, passphrase: string, opts: { readonly simulated: boolean }): Verifier =>
  (req) => {
    const reply = (code: string, msg: string) => ({ status: 401, body: { code, msg, data: [] } });
    if (opts.simulated !== (req.headers['x-simulated-trading'] === '1')) {
      return {
        error: 'x-simulated-trading header does not match the environment',
        reply: reply('50101', 'APIKey does not match current environment.'),
      };
    }
    if (req.path.startsWith('/api/v5/public/') || req.path.startsWith('/api/v5/market/')) return null;
    if (req.headers['ok-access-key'] !== apiKey)
      return { error: 'OK-ACCESS-KEY', reply: reply('50111', 'Invalid OK-ACCESS-KEY.') };
    if (req.headers['ok-access-passphrase'] !== passphrase)
      return { error: 'OK-ACCESS-PASSPHRASE', reply: reply('50105', 'OK-ACCESS-PASSPHRASE incorrect.') };
    const ts = req.headers['ok-access-timestamp'] ?? '';
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(ts))
      return { error: `timestamp ${ts}`, reply: reply('50112', 'Invalid OK-ACCESS-TIMESTAMP.') };
    const requestPath = req.path + (req.rawQuery === '' ? '' : `?${req.rawQuery}`);
    const expected = createHmac('sha256', secret)
      .update(ts + req.method + requestPath + req.body)
      .digest('base64');
    return same(expected, req.headers['ok-access-sign'] ?? '')
      ? null
      : { error: 'bad OK-ACCESS-SIGN', reply: reply('50113', 'Invalid Sign.') };
  };

/** ccxt's bundled CommonJS crypto (no extra dependency): secp256k1 and msgpack. */
interface RecoveredPoint {
  toRawBytes(isCompressed: boolean): Uint8Array;
}
interface Secp256k1 {
  Signature: {
    fromCompact(hex: string): {
      addRecoveryBit(bit: number): { recoverPublicKey(msgHash: Uint8Array): RecoveredPoint };
    };
  };
}
const ccxtStatic = (rel: string): unknown => {
  const dist = dirname(require.resolve('ccxt'));
  // ccxt ships these as CommonJS files without typings.
  return require(join(dist, 'cjs', 'src', 'static_dependencies', rel));
};

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const concat = (...parts: Uint8Array[]): Uint8Array =>
  Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
const utf8 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));
const u256 = (n: bigint): Uint8Array => hexBytes(n.toString(16).padStart(64, '0'));
const u64 = (n: bigint): Uint8Array => hexBytes(n.toString(16).padStart(16, '0'));

/** Ethereum address of an uncompressed public key: last 20 bytes of keccak256(X‖Y). */
export const addressOf = (uncompressed: Uint8Array): string =>
  `0x${Buffer.from(keccak_256(uncompressed.slice(1)).slice(-20)).toString('hex')}`;

export const addressOfPrivateKey = (privateKeyHex: string): string => {
  const { secp256k1 } = ccxtStatic('noble-curves/secp256k1.js') as {
    secp256k1: { getPublicKey(k: Uint8Array, compressed: boolean): Uint8Array };
  };
  return addressOf(secp256k1.getPublicKey(hexBytes(privateKeyHex), false));
};

/**
 * Hyperliquid L1 actions (order, cancel, cancelByCloid): the signer signs the EIP-712 struct
 * Agent{source: "a" mainnet | "b" testnet, connectionId: keccak256(msgpack(action) ‖ nonce
 * as 8 bytes big-endian ‖ 0x00 (no vault))} in the domain {name "Exchange", version "1",
 * chainId 1337, verifyingContract 0x0}. The server recomputes that digest from the action it
 * received and recovers the signer's address from {r, s, v}; it must be `walletAddress`.
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/signing (and the
 * Python SDK's `sign_l1_action`, which the docs point to).
 */
export const hyperliquidVerifier =
  (walletAddress: string, opts: { readonly testnet: boolean }): Verifier =>
  (req) => {
    if (!(req.method === 'POST' && req.path === '/exchange')) return null;
    const reply = (msg: string) => ({ status: 200, body: { status: 'err', response: msg } });
    const { serialize } = ccxtStatic('messagepack/msgpack.js') as { serialize: (x: unknown) => Uint8Array };
    const { secp256k1 } = ccxtStatic('noble-curves/secp256k1.js') as { secp256k1: Secp256k1 };
    const payload = JSON.parse(req.body) as {
      action: unknown;
      nonce: number;
      signature?: { r: string; s: string; v: number };
      vaultAddress?: string | null;
    };
    const sig = payload.signature;
    if (sig === undefined) return { error: 'no signature', reply: reply('Missing signature') };
    if (payload.vaultAddress !== undefined && payload.vaultAddress !== null)
      return { error: 'unexpected vaultAddress', reply: reply('vault') };
    const connectionId = keccak_256(
      concat(serialize(payload.action), u64(BigInt(payload.nonce)), Uint8Array.of(0)),
    );
    const domainType = keccak_256(
      utf8('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
    );
    const domainSeparator = keccak_256(
      concat(domainType, keccak_256(utf8('Exchange')), keccak_256(utf8('1')), u256(1337n), u256(0n)),
    );
    const agentType = keccak_256(utf8('Agent(string source,bytes32 connectionId)'));
    const structHash = keccak_256(
      concat(agentType, keccak_256(utf8(opts.testnet ? 'b' : 'a')), connectionId),
    );
    const digest = keccak_256(concat(Uint8Array.of(0x19, 0x01), domainSeparator, structHash));
    const compact = sig.r.replace(/^0x/, '').padStart(64, '0') + sig.s.replace(/^0x/, '').padStart(64, '0');
    const signer = addressOf(
      secp256k1.Signature.fromCompact(compact)
        .addRecoveryBit(sig.v - 27)
        .recoverPublicKey(digest)
        .toRawBytes(false),
    );
    return signer === walletAddress.toLowerCase()
      ? null
      : {
          error: `recovered signer ${signer}, expected ${walletAddress}`,
          reply: reply(`User or API Wallet ${signer} does not exist.`),
        };
  };
