/** The push channels a device can register with. */
export const DEVICE_PLATFORMS = ['fcm', 'apns', 'webpush', 'sse'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** The languages a device's pushes are written in. */
export const DEVICE_LOCALES = ['en', 'ar'] as const;
export type DeviceLocale = (typeof DEVICE_LOCALES)[number];
