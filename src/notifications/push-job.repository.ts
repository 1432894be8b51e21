import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { runPrepared } from '../database/prepared';
import type { DeviceRow } from './device.repository';

/** What a push job needs: the transaction, its requester's names, the user's devices and those already reached. */
export interface PushJobRow {
  event_id: string;
  transaction_id: string;
  status: string;
  user_id: string;
  purpose: string | null;
  purpose_ar: string | null;
  requester_name: string;
  requester_name_ar: string;
  devices: DeviceRow[];
  /** Ids of the devices an earlier attempt (or a worker that died) already reached. */
  reached: string[];
}

/** The push job's read across outbox, consent_transactions, service_providers, devices and notification_attempts. */
@Injectable()
export class PushJobRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One query for every job running at once (hot path: prepared). A job names the committed push
   * event (the outbox row); the transaction is the row's. Events with no push row are absent.
   */
  async loadByEvents(eventIds: string[]): Promise<PushJobRow[]> {
    return runPrepared<PushJobRow>(
      this.db,
      'push_jobs_load_by_event',
      `SELECT o.event_id, t.id AS transaction_id, t.status, t.user_id, t.purpose, t.purpose_ar,
              COALESCE(t.requestor_name, sp.name) AS requester_name,
              COALESCE(t.requestor_name_ar, t.requestor_name, sp.name_ar) AS requester_name_ar,
              COALESCE((SELECT json_agg(d ORDER BY d.created_at, d.id)
                          FROM (SELECT id, user_id, platform, push_token, locale, created_at FROM devices WHERE user_id = t.user_id) d), '[]') AS devices,
              ARRAY(SELECT DISTINCT a.device_id::text FROM notification_attempts a
                     WHERE a.transaction_id = t.id AND a.outcome = 'delivered' AND a.device_id IS NOT NULL) AS reached
         FROM outbox o
         JOIN consent_transactions t ON t.id = o.transaction_id
         JOIN service_providers sp ON sp.client_id = t.sp_id
        WHERE o.event_id = ANY($1::uuid[]) AND o.topic = 'push'`,
      [eventIds],
    );
  }
}
