import { Injectable } from '@nestjs/common';
import type { RegisteredDevice } from '../device-registry.service';
import { SseHub } from '../sse/sse-hub.service';
import { networkFailure, PushMessage, PushOutcome, PushProvider } from './push-provider';

/** The reference web app's live stream: reached when at least one open stream received it. */
@Injectable()
export class SseProvider implements PushProvider {
  constructor(private readonly hub: SseHub) {}

  async send(device: RegisteredDevice, message: PushMessage): Promise<PushOutcome> {
    try {
      const receivers = await this.hub.publish(device.id, {
        uaePassTransactionID: message.transactionId,
        title: message.title,
        body: message.body,
        lang: message.lang,
      });
      return receivers > 0 ? { outcome: 'delivered', detail: `${receivers} stream(s)` } : { outcome: 'retry', detail: 'no open stream' };
    } catch (err) {
      return networkFailure(err);
    }
  }
}
