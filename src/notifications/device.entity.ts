import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const DEVICE_PLATFORMS = ['fcm', 'apns', 'webpush', 'sse'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

@Entity('devices')
export class Device {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) platform: DevicePlatform;
  /** FCM registration token, APNs device token, Web Push subscription JSON, or an SSE channel id. */
  @Column({ name: 'push_token' }) pushToken: string;
  @Column() locale: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
