import { Inject, Injectable } from '@nestjs/common';
import { importPKCS8, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { pooledPost } from '../../common/http-pool';
import type { RegisteredDevice } from '../device-registry.service';
import { byStatus, networkFailure, PROVIDER_TIMEOUT_MS, PushMessage, PushOutcome, PushProvider } from './push-provider';

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

/**
 * FCM HTTP v1: an OAuth2 access token from the service account (JWT-bearer grant at its
 * token_uri, cached until a minute before expiry), then POST …/v1/projects/{id}/messages:send.
 */
@Injectable()
export class FcmProvider implements PushProvider {
  private account?: ServiceAccount | null;
  private messagesUrl?: URL;
  private token?: { value: string; until: number };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(device: RegisteredDevice, message: PushMessage): Promise<PushOutcome> {
    const account = this.serviceAccount();
    if (!account) return { outcome: 'rejected', detail: 'FCM is not configured (FCM_SERVICE_ACCOUNT_FILE)' };
    try {
      const res = await pooledPost(
        this.sendUrl(account),
        { authorization: `Bearer ${await this.accessToken(account)}`, 'content-type': 'application/json' },
        JSON.stringify({
          message: {
            token: device.pushToken,
            notification: { title: message.title, body: message.body },
            data: { uaePassTransactionID: message.transactionId },
            // The transaction id collapses a resent push into the one already shown.
            android: { priority: 'HIGH', collapse_key: message.transactionId },
            apns: { headers: { 'apns-collapse-id': message.transactionId, 'apns-priority': '10' } },
          },
        }),
        PROVIDER_TIMEOUT_MS,
      );
      if (res.status < 300) return { outcome: 'delivered', statusCode: res.status };
      const outcome = fcmOutcome(res.status, (await res.json()) as FcmErrorBody);
      if (res.status === 401) this.token = undefined; // revoked or expired early: the next attempt fetches a fresh one
      return outcome;
    } catch (err) {
      return networkFailure(err);
    }
  }

  private sendUrl(account: ServiceAccount): URL {
    this.messagesUrl ??= new URL(`${this.config.fcmBaseUrl}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`);
    return this.messagesUrl;
  }

  private serviceAccount(): ServiceAccount | null {
    if (this.account === undefined) {
      const file = this.config.fcmServiceAccountFile;
      this.account = file ? (JSON.parse(readFileSync(file, 'utf8')) as ServiceAccount) : null;
    }
    return this.account;
  }

  private async accessToken(account: ServiceAccount): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(await importPKCS8(account.private_key, 'RS256'));
    const res = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number };
    if (!res.ok || !body.access_token) throw new Error(`FCM token exchange answered ${res.status}`);
    this.token = { value: body.access_token, until: Date.now() + ((body.expires_in ?? 3600) - 60) * 1000 };
    return this.token.value;
  }
}

export interface FcmErrorBody {
  error?: { code?: number; status?: string; message?: string; details?: { '@type'?: string; errorCode?: string }[] };
}

/** What FCM's HTTP v1 answer to a failed send means: the token gone, a stale access token (retry), or byStatus. */
export function fcmOutcome(status: number, body: FcmErrorBody): PushOutcome {
  const error = body?.error;
  const code = error?.details?.find((d) => d.errorCode)?.errorCode ?? error?.status;
  if (code === 'UNREGISTERED' || status === 404) return { outcome: 'unregistered', statusCode: status, detail: code ?? 'NOT_FOUND' };
  if (status === 401) return { outcome: 'retry', statusCode: 401, detail: code ?? 'UNAUTHENTICATED' };
  return byStatus(status, code);
}
