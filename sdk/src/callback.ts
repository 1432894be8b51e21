import { timingSafeEqual, createHash } from 'node:crypto';
import { verifyRequestSignature } from './signature';
import { CallbackVerificationError } from './errors';
import type { ConsentCallback, ConsentStatus } from './types';

export interface IncomingCallback {
  /** Request headers as your framework gives them (any case; arrays allowed). */
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received: verify before parsing, since re-serialised JSON changes the digest. */
  rawBody: Buffer | string;
  /** The request target as received, with its query (e.g. `/api/v1/consent/transaction/callback`). */
  path: string;
}

export interface CallbackVerifyOptions {
  /** Your signing secret; pass several during a rotation (the gateway signs with the newest). */
  signingSecret: string | string[];
  /** The callback API key you registered with Muwafaqa (sent back as X-API-Key). */
  apiKey?: string;
  /** Allowed clock difference, in seconds (the gateway's own window is 300). */
  windowSeconds?: number;
  /** For tests: the current time in milliseconds. */
  now?: number;
}

const STATUSES: readonly ConsentStatus[] = ['TRIGGERED', 'ACCEPTED', 'REJECTED', 'INIT_FAILED', 'EXPIRED', 'CANCELLED', 'REVOKED'];

function header(headers: IncomingCallback['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so lengths match and the comparison is constant-time.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Checks a callback from Muwafaqa: the API key, the timestamp window, then the signature over
 * the canonical string (same scheme as requests to the gateway). Answers the parsed body, or
 * throws CallbackVerificationError naming what failed. Keep the signature for a window's time
 * if you also need replay protection.
 */
export function verifyCallback(req: IncomingCallback, opts: CallbackVerifyOptions): ConsentCallback {
  const timestamp = header(req.headers, 'x-timestamp');
  const signature = header(req.headers, 'x-uaepass-signature');
  if (!timestamp || !signature) throw new CallbackVerificationError('missing_header', 'X-Timestamp and X-UAEPASS-Signature are required');
  if (opts.apiKey !== undefined) {
    const given = header(req.headers, 'x-api-key');
    if (!given || !sameSecret(given, opts.apiKey)) throw new CallbackVerificationError('api_key', 'X-API-Key does not match');
  }
  const windowMs = (opts.windowSeconds ?? 300) * 1000;
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs((opts.now ?? Date.now()) - Number(timestamp)) > windowMs) {
    throw new CallbackVerificationError('timestamp', 'X-Timestamp is outside the allowed window');
  }
  const secrets = Array.isArray(opts.signingSecret) ? opts.signingSecret : [opts.signingSecret];
  if (!verifyRequestSignature(secrets, signature, timestamp, 'POST', req.path, req.rawBody)) {
    throw new CallbackVerificationError('signature', 'X-UAEPASS-Signature does not match');
  }
  let body: Partial<ConsentCallback>;
  try {
    body = JSON.parse(Buffer.isBuffer(req.rawBody) ? req.rawBody.toString('utf8') : req.rawBody);
  } catch {
    throw new CallbackVerificationError('body', 'the body is not JSON');
  }
  if (typeof body?.spTransactionID !== 'string' || typeof body.uaePassTransactionID !== 'string' || !STATUSES.includes(body.status as ConsentStatus)) {
    throw new CallbackVerificationError('body', 'the body lacks spTransactionID, uaePassTransactionID or a known status');
  }
  return { spTransactionID: body.spTransactionID, status: body.status as ConsentStatus, uaePassTransactionID: body.uaePassTransactionID };
}
