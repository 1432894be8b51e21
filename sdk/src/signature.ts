import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The X-UAEPASS-Signature scheme, in one place: the SDK owns it, and the gateway's guard and
 * callback signer import it from here (src/security/request-signature.ts re-exports it).
 * Node built-ins only, so the SDK installs with no dependency:
 *   string to sign = `${X-Timestamp}\n${METHOD}\n${path with query}\n${hex SHA-256 of raw body}`
 *   signature      = base64(HMAC-SHA256(utf8(signingSecret), string to sign))
 * X-Timestamp is Unix time in milliseconds.
 */
export function bodyDigest(body: Buffer | string | undefined): string {
  return createHash('sha256')
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
}

export function canonicalString(timestamp: string, method: string, pathWithQuery: string, body: Buffer | string | undefined): string {
  return `${timestamp}\n${method.toUpperCase()}\n${pathWithQuery}\n${bodyDigest(body)}`;
}

export function signRequest(secret: string, timestamp: string, method: string, pathWithQuery: string, body: Buffer | string | undefined): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(canonicalString(timestamp, method, pathWithQuery, body))
    .digest('base64');
}

/** Constant-time check of `signature` against each candidate secret (two may be active during rotation). */
export function verifyRequestSignature(
  secrets: readonly string[],
  signature: string,
  timestamp: string,
  method: string,
  pathWithQuery: string,
  body: Buffer | string | undefined,
): boolean {
  const given = Buffer.from(signature, 'base64');
  // A base64 HMAC-SHA256 is 32 bytes; anything else cannot match, and must not throw below.
  if (given.length !== 32 || given.toString('base64') !== signature) return false;
  const text = canonicalString(timestamp, method, pathWithQuery, body);
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(text).digest();
    // Compare every candidate so timing does not reveal which secret matched.
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** Headers for a signed request (used for SP callbacks and by the SDK). */
export function signedHeaders(secret: string, method: string, pathWithQuery: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(now);
  return { 'X-Timestamp': timestamp, 'X-UAEPASS-Signature': signRequest(secret, timestamp, method, pathWithQuery, body) };
}
