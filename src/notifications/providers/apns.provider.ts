import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { importPKCS8, SignJWT } from 'jose';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { RegisteredDevice } from '../device-registry.service';
import { byStatus, networkFailure, PROVIDER_TIMEOUT_MS, PushMessage, PushOutcome, PushProvider } from './push-provider';

/** Apple refuses provider tokens older than an hour and throttles ones renewed within 20 minutes. */
const PROVIDER_TOKEN_TTL_MS = 40 * 60_000;

/**
 * APNs over HTTP/2 with token-based auth: an ES256 provider JWT (kid = APNS_KEY_ID, iss =
 * APNS_TEAM_ID) from the .p8 key, one long-lived HTTP/2 session, one stream per push.
 */
@Injectable()
export class ApnsProvider implements PushProvider, OnModuleDestroy {
  private session?: http2.ClientHttp2Session;
  private token?: { value: string; until: number };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(device: RegisteredDevice, message: PushMessage): Promise<PushOutcome> {
    const { apnsKeyFile, apnsKeyId, apnsTeamId, apnsTopic } = this.config;
    if (!apnsKeyFile || !apnsKeyId || !apnsTeamId || !apnsTopic)
      return { outcome: 'rejected', detail: 'APNs is not configured (APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC)' };
    try {
      const payload = JSON.stringify({
        aps: { alert: { title: message.title, body: message.body }, sound: 'default' },
        uaePassTransactionID: message.transactionId,
      });
      const { status, body } = await this.request(
        {
          ':method': 'POST',
          ':path': `/3/device/${encodeURIComponent(device.pushToken)}`,
          authorization: `bearer ${await this.providerToken()}`,
          'apns-topic': apnsTopic,
          'apns-push-type': 'alert',
          'apns-priority': '10',
          'apns-expiration': String(Math.floor(Date.now() / 1000) + this.config.consentTtlSeconds),
          // The same notification collapses on the device, and a resend keeps its apns-id.
          'apns-collapse-id': message.transactionId,
          'apns-id': apnsIdOf(message.transactionId, device.id),
          'content-type': 'application/json',
        },
        payload,
      );
      const reason = body ? ((JSON.parse(body) as { reason?: string }).reason ?? undefined) : undefined;
      const outcome = apnsOutcome(status, reason);
      if (status === 403 && outcome.outcome === 'retry') this.token = undefined; // the next attempt signs a fresh provider token
      return outcome;
    } catch (err) {
      this.session?.destroy();
      this.session = undefined;
      return networkFailure(err);
    }
  }

  onModuleDestroy(): void {
    this.session?.close();
  }

  private request(headers: http2.OutgoingHttpHeaders, payload: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const stream = this.connect().request(headers);
      stream.setTimeout(PROVIDER_TIMEOUT_MS, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      let body = '';
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => (status ? resolve({ status, body }) : reject(Object.assign(new Error('no response'), { name: 'TimeoutError' }))));
      stream.on('error', reject);
      stream.end(payload);
    });
  }

  private connect(): http2.ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      const session = http2.connect(this.config.apnsBaseUrl);
      session.on('error', () => undefined); // surfaced on the stream; the next push reconnects
      session.on('close', () => this.session === session && (this.session = undefined));
      session.unref();
      this.session = session;
    }
    return this.session;
  }

  private async providerToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const key = await importPKCS8(readFileSync(this.config.apnsKeyFile!, 'utf8'), 'ES256');
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.config.apnsKeyId! })
      .setIssuer(this.config.apnsTeamId!)
      .setIssuedAt()
      .sign(key);
    this.token = { value, until: Date.now() + PROVIDER_TOKEN_TTL_MS };
    return value;
  }
}

/** A UUID derived from (transaction, device): every resend of one push carries the same apns-id. */
export function apnsIdOf(transactionId: string, deviceId: string): string {
  const h = createHash('sha256').update(`${transactionId}:${deviceId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/** What APNs' answer means: the device token gone, a stale provider token (retry), or byStatus. */
export function apnsOutcome(status: number, reason: string | undefined): PushOutcome {
  if (status === 410 || reason === 'Unregistered') return { outcome: 'unregistered', statusCode: status, detail: reason ?? 'Unregistered' };
  if (status === 403 && (reason === 'ExpiredProviderToken' || reason === 'InvalidProviderToken'))
    return { outcome: 'retry', statusCode: status, detail: reason };
  return byStatus(status, reason);
}
