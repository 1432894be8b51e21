import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): `webhook-id` is the event id
 * (the same on every retry, so the SP deduplicates on it), `webhook-timestamp` the attempt's
 * Unix seconds, `webhook-signature` `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the
 * secret's decoded bytes.
 */
export function standardWebhookHeaders(secret: string, eventId: string, body: string, now = Date.now()): Record<string, string> {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', key).update(`${eventId}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': eventId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
