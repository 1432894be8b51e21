import { createPublicKey, JsonWebKey, verify } from 'node:crypto';
import { ReceiptVerificationError } from './errors';
import type { ConsentReceiptClaims } from './types';

/** The JWT `typ` of consent receipts: an id_token (`JWT`) or access token (`at+jwt`) never passes as one. */
export const RECEIPT_JWT_TYP = 'muwafaqa-receipt+jwt';
/** The `receipt_type` claim every receipt carries. */
export const RECEIPT_TYPE = 'muwafaqa-consent-receipt/v1';

export interface ReceiptVerifyOptions {
  /** The gateway's issuer (its base URL, as in /.well-known/openid-configuration). */
  issuer: string;
  /** Your client id: a receipt is addressed to the data owner SP. */
  audience: string;
  /** The gateway's public keys; when absent they are fetched from `${issuer}/.well-known/jwks.json`. */
  jwks?: { keys: (JsonWebKey & { kid?: string })[] };
  /** Replaceable for tests or proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** For tests: the current time in milliseconds. */
  now?: number;
}

function part(segment: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    /* reported below */
  }
  throw new ReceiptVerificationError('format', `the receipt's ${what} is not a JSON object`);
}

/**
 * Verifies a consent receipt offline (compact JWS, ES256): its `typ`, the signature under the
 * gateway's key named by `kid`, issuer, audience, expiry and `receipt_type`. Answers its claims,
 * or throws ReceiptVerificationError naming what failed. An id_token or access token is refused.
 */
export async function verifyReceipt(receipt: string, opts: ReceiptVerifyOptions): Promise<ConsentReceiptClaims> {
  const segments = typeof receipt === 'string' ? receipt.split('.') : [];
  if (segments.length !== 3) throw new ReceiptVerificationError('format', 'a receipt is a compact JWS of three parts');
  const header = part(segments[0], 'header');
  const claims = part(segments[1], 'payload');
  if (header.typ !== RECEIPT_JWT_TYP)
    throw new ReceiptVerificationError('typ', `typ is ${String(header.typ)}, not ${RECEIPT_JWT_TYP}: this is not a consent receipt`);
  if (header.alg !== 'ES256') throw new ReceiptVerificationError('alg', 'only ES256 receipts are accepted');

  const jwks = opts.jwks ?? (await fetchJwks(opts));
  const jwk = jwks.keys.find((k) => k.kid === header.kid && k.kty === 'EC' && k.crv === 'P-256');
  if (!jwk) throw new ReceiptVerificationError('key', `no published key has kid ${String(header.kid)}`);
  const signature = Buffer.from(segments[2], 'base64url');
  const signed = verify(
    'sha256',
    Buffer.from(`${segments[0]}.${segments[1]}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    signature,
  );
  if (!signed) throw new ReceiptVerificationError('signature', 'the signature does not verify');

  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (claims.iss !== opts.issuer) throw new ReceiptVerificationError('claims', `iss is not ${opts.issuer}`);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(opts.audience)) throw new ReceiptVerificationError('claims', `aud does not include ${opts.audience}`);
  if (typeof claims.exp === 'number' && claims.exp < now) throw new ReceiptVerificationError('claims', 'the receipt has expired');
  if (claims.receipt_type !== RECEIPT_TYPE) throw new ReceiptVerificationError('claims', `receipt_type is not ${RECEIPT_TYPE}`);
  return claims as unknown as ConsentReceiptClaims;
}

async function fetchJwks(opts: ReceiptVerifyOptions): Promise<{ keys: (JsonWebKey & { kid?: string })[] }> {
  const url = `${opts.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  const res = await (opts.fetch ?? fetch)(url).catch((err: Error) => {
    throw new ReceiptVerificationError('key', `the JWKS at ${url} could not be fetched: ${err.message}`);
  });
  const body = (await res.json().catch(() => undefined)) as { keys?: unknown } | undefined;
  if (!res.ok || !Array.isArray(body?.keys)) throw new ReceiptVerificationError('key', `the JWKS at ${url} answered ${res.status}`);
  return body as { keys: (JsonWebKey & { kid?: string })[] };
}
