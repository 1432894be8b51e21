import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConsentStatus } from '../consent/consent-state-machine';

/** A callback event as committed: its outbox row, its transaction and its consent event. */
export interface CallbackEventRow {
  outbox_id: string;
  transaction_id: string;
  sp_id: string;
  sp_transaction_id: string;
  status: ConsentStatus;
  at: Date;
  sequence: number;
  settled: boolean;
  earlier_pending: boolean;
}

/** The callback job's read across outbox, consent_transactions and consent_events. */
@Injectable()
export class CallbackEventRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The committed event, and whether an earlier one of its transaction still holds it back (one query). */
  async findByEventId(eventId: string): Promise<CallbackEventRow | undefined> {
    const rows: CallbackEventRow[] = await this.db.query(
      // Rows written before the DeliveryEvents migration have no consent event id: their outbox row still says what happened.
      `SELECT o.id::text AS outbox_id, o.transaction_id, t.sp_id, t.sp_transaction_id,
              COALESCE(e.to_status, o.payload->>'status') AS status, COALESCE(e.at, o.created_at) AS at,
              COALESCE(e.sequence, 0) AS sequence, o.settled_at IS NOT NULL AND o.outcome IS DISTINCT FROM 'failed' AS settled,
              EXISTS (SELECT 1 FROM outbox p WHERE p.transaction_id = o.transaction_id AND p.topic = 'callback' AND p.id < o.id AND p.settled_at IS NULL)
                AS earlier_pending
         FROM outbox o
         JOIN consent_transactions t ON t.id = o.transaction_id
         LEFT JOIN consent_events e ON e.transaction_id = o.transaction_id AND e.event_id = o.event_id
        WHERE o.event_id = $1 AND o.topic = 'callback'`,
      [eventId],
    );
    return rows[0];
  }
}
