import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors/api-error';
import { isUuid } from '../common/uuid';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isAllowedPushEndpoint } from '../security/egress-policy';
import { DEVICE_LOCALES, DEVICE_PLATFORMS, DeviceLocale, DevicePlatform } from './device-platforms';
import { DeviceRepository, DeviceRow } from './device.repository';

const MAX_PUSH_TOKEN = 4096;

export interface DeviceRegistration {
  platform: DevicePlatform;
  /** FCM registration token, APNs device token (hex), Web Push subscription JSON, or any id for 'sse'. */
  pushToken: string;
  locale?: DeviceLocale;
}

export interface RegisteredDevice {
  id: string;
  userId: string;
  platform: DevicePlatform;
  pushToken: string;
  locale: DeviceLocale;
  createdAt: Date;
}

export const toDevice = (r: DeviceRow): RegisteredDevice => ({
  id: r.id,
  userId: r.user_id,
  platform: r.platform,
  pushToken: r.push_token,
  locale: r.locale,
  createdAt: new Date(r.created_at),
});

const bad = (en: string, ar: string) => new ApiError('NTF_1000002', { reason: en, reasonAr: ar });

/**
 * The user's devices, the targets of every push. Registering the same (platform, token) again
 * answers the same device (updating its locale), so an app may register on every start.
 */
@Injectable()
export class DeviceRegistry {
  constructor(
    private readonly repo: DeviceRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(userId: string, reg: DeviceRegistration): Promise<RegisteredDevice> {
    this.check(reg);
    return toDevice(await this.repo.upsert({ id: randomUUID(), userId, platform: reg.platform, pushToken: reg.pushToken, locale: reg.locale ?? 'en' }));
  }

  /** Removes one of the user's devices; NTF_1000001 when it is not theirs. */
  async unregister(userId: string, deviceId: string): Promise<void> {
    if (!isUuid(deviceId)) throw new ApiError('NTF_1000001', { deviceId: deviceId.slice(0, 64) });
    if (!(await this.repo.deleteOwned(userId, deviceId))) throw new ApiError('NTF_1000001', { deviceId });
  }

  async list(userId: string): Promise<RegisteredDevice[]> {
    return (await this.repo.listByUser(userId)).map(toDevice);
  }

  /** The user's device, or NTF_1000001 (also for a malformed id or another user's device). */
  async get(userId: string, deviceId: string): Promise<RegisteredDevice> {
    if (!isUuid(deviceId)) throw new ApiError('NTF_1000001', { deviceId: deviceId.slice(0, 64) });
    const row = await this.repo.findOwned(userId, deviceId);
    if (!row) throw new ApiError('NTF_1000001', { deviceId });
    return toDevice(row);
  }

  /** Called by the push worker when a provider answers that the token is gone for good. */
  async removeUnreachable(deviceId: string): Promise<void> {
    await this.repo.delete(deviceId);
  }

  private check(reg: DeviceRegistration): void {
    if (typeof reg !== 'object' || reg === null) throw bad('the body must be an object', 'يجب أن يكون المحتوى كائناً');
    if (!DEVICE_PLATFORMS.includes(reg.platform))
      throw bad(`platform must be one of ${DEVICE_PLATFORMS.join(', ')}`, `يجب أن تكون المنصة إحدى ${DEVICE_PLATFORMS.join('، ')}`);
    if (typeof reg.pushToken !== 'string' || reg.pushToken.trim() === '')
      throw bad('pushToken must be a non-empty string', 'يجب أن يكون رمز الإشعار نصاً غير فارغ');
    if (reg.pushToken.length > MAX_PUSH_TOKEN) throw bad('pushToken is too long', 'رمز الإشعار طويل جداً');
    if (reg.locale !== undefined && !DEVICE_LOCALES.includes(reg.locale)) throw bad('locale must be en or ar', 'يجب أن تكون اللغة en أو ar');
    if (reg.platform === 'webpush' && !isWebPushSubscription(reg.pushToken)) {
      throw bad(
        'a webpush pushToken must be a PushSubscription as JSON (endpoint, keys.p256dh, keys.auth)',
        'يجب أن يكون رمز webpush اشتراكاً بصيغة JSON (endpoint و keys.p256dh و keys.auth)',
      );
    }
    if (reg.platform === 'webpush' && !isAllowedPushEndpoint(parseWebPushSubscription(reg.pushToken)!.endpoint, this.config.webPushAllowedHosts)) {
      throw bad('the webpush endpoint must be an https URL of a known push service', 'يجب أن يكون عنوان webpush رابط https لخدمة إشعارات معروفة');
    }
  }
}

/** A browser PushSubscription (`subscription.toJSON()`), the token of a webpush device. */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export function parseWebPushSubscription(token: string): WebPushSubscription | null {
  try {
    const s = JSON.parse(token) as WebPushSubscription;
    const url = new URL(s.endpoint);
    if (!['https:', 'http:'].includes(url.protocol) || typeof s.keys?.p256dh !== 'string' || typeof s.keys?.auth !== 'string') return null;
    return s;
  } catch {
    return null;
  }
}

function isWebPushSubscription(token: string): boolean {
  return parseWebPushSubscription(token) !== null;
}
