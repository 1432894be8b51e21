import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JsonWebKey } from 'node:crypto';
import { ReceiptVerificationError } from './errors';
import { RECEIPT_JWT_TYP, RECEIPT_TYPE, verifyReceipt } from './receipt';

const ISSUER = 'https://consent.example.ae';
const SP = 'owner_sp_client_id';

describe('verifyReceipt (offline, node:crypto only)', () => {
  let jwks: { keys: JsonWebKey[] };
  let sign: (typ: string, claims?: Record<string, unknown>, kid?: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' } as JsonWebKey] };
    sign = (typ, claims = {}, kid = 'k1') =>
      new SignJWT({ receipt_type: RECEIPT_TYPE, txn: 't1', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid, typ })
        .setIssuer(ISSUER)
        .setAudience(SP)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
  });

  const reasonOf = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (err: unknown) => (err instanceof ReceiptVerificationError ? err.reason : String(err)),
    );

  it('accepts a receipt and answers its claims', async () => {
    const claims = await verifyReceipt(await sign(RECEIPT_JWT_TYP), { issuer: ISSUER, audience: SP, jwks: jwks as never });
    expect(claims).toMatchObject({ iss: ISSUER, aud: SP, txn: 't1', receipt_type: RECEIPT_TYPE });
  });

  it('refuses an id_token or an access token by typ, before any key is looked up', async () => {
    expect(await reasonOf(verifyReceipt(await sign('JWT'), { issuer: ISSUER, audience: SP, jwks: jwks as never }))).toBe('typ');
    expect(await reasonOf(verifyReceipt(await sign('at+jwt'), { issuer: ISSUER, audience: SP, jwks: jwks as never }))).toBe('typ');
  });

  it('refuses an unknown key, another issuer or audience, an expired receipt, and garbage', async () => {
    const opts = { issuer: ISSUER, audience: SP, jwks: jwks as never };
    expect(await reasonOf(verifyReceipt(await sign(RECEIPT_JWT_TYP, {}, 'other'), opts))).toBe('key');
    expect(await reasonOf(verifyReceipt(await sign(RECEIPT_JWT_TYP), { ...opts, issuer: 'https://elsewhere' }))).toBe('claims');
    expect(await reasonOf(verifyReceipt(await sign(RECEIPT_JWT_TYP), { ...opts, audience: 'someone-else' }))).toBe('claims');
    expect(await reasonOf(verifyReceipt(await sign(RECEIPT_JWT_TYP), { ...opts, now: Date.now() + 2 * 3600_000 }))).toBe('claims');
    expect(await reasonOf(verifyReceipt(await sign(RECEIPT_JWT_TYP, { receipt_type: 'something-else' }), opts))).toBe('claims');
    expect(await reasonOf(verifyReceipt('not-a-jws', opts))).toBe('format');
  });
});
