import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { egressPolicyOf, egressPost, EgressRefused } from '../security/egress-policy';
import { signedHeaders } from '../security/request-signature';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { CallbackAttemptRepository } from './callback-attempt.repository';
import type { CallbackEvent } from './callback-events';
import { standardWebhookHeaders } from './standard-webhooks';

export interface CallbackOutcome {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/** Thrown when the SP did not take the callback; BullMQ retries the job with backoff. */
export class CallbackNotDelivered extends Error {}

/** Headers beside UAE PASS's: the same event id on every retry, when it happened, its place in the transaction. */
export const EVENT_ID_HEADER = 'X-Muwafaqa-Event-Id';
export const EVENT_TIME_HEADER = 'X-Muwafaqa-Event-Time';
export const EVENT_SEQUENCE_HEADER = 'X-Muwafaqa-Event-Sequence';

/**
 * Calls the SP back as UAE PASS does: POST {callbackUrl} with the body
 * `{ spTransactionID, status, uaePassTransactionID }`, the SP's X-API-Key, and X-Timestamp +
 * X-UAEPASS-Signature made with the SP's newest signing secret (the same canonical string the
 * SP's own requests are checked with). Beside them, the event's id, time and sequence; and, for
 * an SP with a webhook secret, the Standard Webhooks headers. Every attempt is recorded in
 * callback_attempts.
 */
@Injectable()
export class CallbackDelivery {
  private readonly logger = new Logger(CallbackDelivery.name);

  constructor(
    private readonly attempts: CallbackAttemptRepository,
    private readonly sps: SpDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Delivers one committed event; null when the SP has no callback URL (it polls or reads its
   * events feed instead). Throws CallbackNotDelivered on non-2xx, timeout or network error.
   */
  async deliver(event: CallbackEvent, attempt: number): Promise<CallbackOutcome | null> {
    const sp = await this.sps.get(event.spId);
    if (!sp?.callbackUrl) return null;

    const url = new URL(sp.callbackUrl);
    // Key order is part of the wire format the SP signs over; keep it as UAE PASS sends it.
    const body = JSON.stringify({ spTransactionID: event.spTransactionId, status: event.status, uaePassTransactionID: event.transactionId });
    const started = Date.now();
    let outcome: CallbackOutcome;
    if (sp.signingSecrets.length === 0) {
      outcome = { delivered: false, statusCode: null, error: 'the SP has no active signing secret', latencyMs: 0 };
    } else {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...signedHeaders(sp.signingSecrets[0], 'POST', url.pathname + url.search, body),
        ...(sp.callbackApiKey ? { 'X-API-Key': sp.callbackApiKey } : {}),
        [EVENT_ID_HEADER]: event.eventId,
        [EVENT_TIME_HEADER]: event.at.toISOString(),
        [EVENT_SEQUENCE_HEADER]: String(event.sequence),
        ...(sp.webhookSecret ? standardWebhookHeaders(sp.webhookSecret, event.eventId, body) : {}),
      };
      outcome = await this.post(url, headers, body, started);
    }
    await this.attempts.insert({ transactionId: event.transactionId, status: event.status, attempt, url: this.safeUrl(url), ...outcome });
    if (!outcome.delivered) {
      this.logger.warn(`callback ${event.status} for ${event.transactionId} to ${sp.clientId} not delivered (attempt ${attempt}): ${outcome.error}`);
      throw new CallbackNotDelivered(outcome.error ?? 'not delivered');
    }
    return outcome;
  }

  private async post(url: URL, headers: Record<string, string>, body: string, started: number): Promise<CallbackOutcome> {
    try {
      // Checked and pinned to the resolved address; no redirect is followed (the SP registers the final URL).
      const status = await egressPost(url, headers, body, this.config.callbackTimeoutMs, egressPolicyOf(this.config));
      const latencyMs = Date.now() - started;
      const delivered = status >= 200 && status < 300;
      return { delivered, statusCode: status, error: delivered ? null : `HTTP ${status}`, latencyMs };
    } catch (err) {
      const e = err as Error;
      // Generic on purpose: operators must not learn which internal ports answer (no port-scan oracle).
      const error =
        e instanceof EgressRefused
          ? 'destination refused by the egress policy'
          : e.name === 'TimeoutError'
            ? `timeout after ${this.config.callbackTimeoutMs} ms`
            : 'connection failed';
      return { delivered: false, statusCode: null, error, latencyMs: Date.now() - started };
    }
  }

  /** The URL as recorded for operators: never with credentials a careless SP put in it. */
  private safeUrl(url: URL): string {
    const copy = new URL(url);
    copy.username = '';
    copy.password = '';
    return copy.toString();
  }
}
