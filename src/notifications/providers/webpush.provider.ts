import { Inject, Injectable } from '@nestjs/common';
import { Agent } from 'node:https';
import webpush from 'web-push';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { isAllowedPushEndpoint } from '../../security/egress-policy';
import { parseWebPushSubscription, RegisteredDevice } from '../device-registry.service';
import { byStatus, networkFailure, PROVIDER_TIMEOUT_MS, PushMessage, PushOutcome, PushProvider } from './push-provider';

/** Push services (FCM's, Mozilla's, Apple's web push) are a handful of origins: keep their sockets open. */
const keepAlive = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 128 });

/** Web Push (RFC 8030) with VAPID (RFC 8292) through the `web-push` package. */
@Injectable()
export class WebPushProvider implements PushProvider {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(device: RegisteredDevice, message: PushMessage): Promise<PushOutcome> {
    const { vapidPublicKey, vapidPrivateKey, vapidSubject } = this.config;
    if (!vapidPublicKey || !vapidPrivateKey || !vapidSubject) return { outcome: 'rejected', detail: 'Web Push is not configured (VAPID_*)' };
    const subscription = parseWebPushSubscription(device.pushToken);
    if (!subscription) return { outcome: 'unregistered', detail: 'malformed subscription' };
    // Checked at registration too; a row from before that check is dropped, never connected to.
    if (!isAllowedPushEndpoint(subscription.endpoint, this.config.webPushAllowedHosts)) return { outcome: 'unregistered', detail: 'not a known push service' };
    try {
      const res = await webpush.sendNotification(
        subscription,
        JSON.stringify({ uaePassTransactionID: message.transactionId, title: message.title, body: message.body, lang: message.lang }),
        {
          vapidDetails: { subject: vapidSubject, publicKey: vapidPublicKey, privateKey: vapidPrivateKey },
          TTL: this.config.consentTtlSeconds,
          urgency: 'high',
          // Topic (max 32 base64url chars) replaces an undelivered earlier copy of the same push.
          topic: message.transactionId.replace(/-/g, ''),
          timeout: PROVIDER_TIMEOUT_MS,
          agent: keepAlive,
        },
      );
      return byStatus(res.statusCode);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) return { outcome: 'unregistered', statusCode: status, detail: 'subscription gone' };
      if (typeof status === 'number') return byStatus(status);
      return networkFailure(err);
    }
  }
}
