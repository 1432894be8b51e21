import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeviceLocale, DevicePlatform } from './device-platforms';

export interface DeviceRow {
  id: string;
  user_id: string;
  platform: DevicePlatform;
  push_token: string;
  locale: DeviceLocale;
  created_at: Date;
}

const COLUMNS = 'id, user_id, platform, push_token, locale, created_at';

/** All SQL on devices (the push job's load reads them too: push-job.repository.ts). */
@Injectable()
export class DeviceRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The same (user, platform, token) again answers the same device, its locale updated. */
  async upsert(device: { id: string; userId: string; platform: DevicePlatform; pushToken: string; locale: DeviceLocale }): Promise<DeviceRow> {
    const rows: DeviceRow[] = await this.db.query(
      `INSERT INTO devices (id, user_id, platform, push_token, locale) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, platform, push_token) DO UPDATE SET locale = EXCLUDED.locale
       RETURNING ${COLUMNS}`,
      [device.id, device.userId, device.platform, device.pushToken, device.locale],
    );
    return rows[0];
  }

  async listByUser(userId: string): Promise<DeviceRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  }

  /** The device when it is the user's. */
  async findOwned(userId: string, deviceId: string): Promise<DeviceRow | undefined> {
    const rows: DeviceRow[] = await this.db.query(`SELECT ${COLUMNS} FROM devices WHERE id = $1 AND user_id = $2`, [deviceId, userId]);
    return rows[0];
  }

  /** Deletes the device when it is the user's; answers whether it was. */
  async deleteOwned(userId: string, deviceId: string): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare DELETE as [rows, count], not rows.
    const rows: unknown[] = await this.db.query(`WITH gone AS (DELETE FROM devices WHERE id = $1 AND user_id = $2 RETURNING id) SELECT id FROM gone`, [
      deviceId,
      userId,
    ]);
    return rows.length > 0;
  }

  async delete(deviceId: string): Promise<void> {
    await this.db.query(`DELETE FROM devices WHERE id = $1`, [deviceId]);
  }
}
