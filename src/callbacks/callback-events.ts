import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConsentStatus } from '../consent/consent-state-machine';

/** A committed event the SP hears about, as its callback reports it. */
export interface CallbackEvent {
  outboxId: string;
  eventId: string;
  transactionId: string;
  spId: string;
  spTransactionId: string;
  status: ConsentStatus;
  at: Date;
  sequence: number;
  /** Delivered, or skipped, for good. A finally failed event is not: an operator may retry its job. */
  settled: boolean;
  /** An earlier callback event of the transaction was neither delivered nor finally failed when this was read. */
  earlierPending: boolean;
}

export type CallbackOutcomeKind = 'delivered' | 'failed' | 'skipped';

/**
 * The callback events in Postgres: what a callback says is read here, from the row committed
 * with the status change (the outbox row and its consent event), never from the queue job.
 */
@Injectable()
export class CallbackEvents {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The committed event, and whether an earlier one of its transaction still holds it back (one
   * query); null when no callback event has that id (a job the relay never made).
   */
  async load(eventId: string): Promise<CallbackEvent | null> {
    const rows: {
      outbox_id: string;
      transaction_id: string;
      sp_id: string;
      sp_transaction_id: string;
      status: ConsentStatus;
      at: Date;
      sequence: number;
      settled: boolean;
      earlier_pending: boolean;
    }[] = await this.db.query(
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
    const r = rows[0];
    if (!r) return null;
    return {
      outboxId: r.outbox_id,
      eventId,
      transactionId: r.transaction_id,
      spId: r.sp_id,
      spTransactionId: r.sp_transaction_id,
      status: r.status,
      at: r.at,
      sequence: r.sequence,
      settled: r.settled,
      earlierPending: r.earlier_pending,
    };
  }

  /**
   * Records the event's final outcome, which lets the transaction's next event go. Once only,
   * except that an operator's retry of a failed event may still record its delivery.
   */
  async settle(event: CallbackEvent, outcome: CallbackOutcomeKind): Promise<void> {
    await this.db.query(`UPDATE outbox SET settled_at = now(), outcome = $2 WHERE id = $1 AND (settled_at IS NULL OR outcome = 'failed')`, [
      event.outboxId,
      outcome,
    ]);
  }
}
