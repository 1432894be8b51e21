/** The push channels a device can register with. */
export const DEVICE_PLATFORMS = ['fcm', 'apns', 'webpush', 'sse'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];
