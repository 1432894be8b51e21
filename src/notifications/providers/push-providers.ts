import { Injectable } from '@nestjs/common';
import type { DevicePlatform } from '../device-platforms';
import { ApnsProvider } from './apns.provider';
import { FcmProvider } from './fcm.provider';
import type { PushProvider } from './push-provider';
import { SseProvider } from './sse.provider';
import { WebPushProvider } from './webpush.provider';

/** The adapter for a device's platform. */
@Injectable()
export class PushProviders {
  private readonly byPlatform: Record<DevicePlatform, PushProvider>;

  constructor(fcm: FcmProvider, apns: ApnsProvider, webpush: WebPushProvider, sse: SseProvider) {
    this.byPlatform = { fcm, apns, webpush, sse };
  }

  for(platform: DevicePlatform): PushProvider {
    return this.byPlatform[platform];
  }
}

export const PROVIDERS = [FcmProvider, ApnsProvider, WebPushProvider, SseProvider, PushProviders];
