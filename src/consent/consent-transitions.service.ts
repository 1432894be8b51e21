import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { uuidV7 } from '../database/uuid-v7';
import { OutboxSignal } from '../outbox/outbox-signal';
import { CALLBACK_STATUSES, ConsentStatus, sourcesOf } from './consent-state-machine';

export interface TransitionResult {
  id: string;
  spId: string;
  spTransactionId: string;
  from: ConsentStatus;
  to: ConsentStatus;
  /** The event's id (also its callback's) and its place in the transaction's events. */
  eventId: string;
  sequence: number;
}

/**
 * The only code that changes a consent status. One SQL statement moves the row (only from a
 * status the state machine allows), appends the event and, for statuses the SP hears about,
 * writes the callback's outbox row: all or nothing, and safe under concurrent deciders. It also
 * wakes the outbox relay once that row is committed, whoever the caller (user, SP, push worker,
 * expiry sweeper).
 */
@Injectable()
export class ConsentTransitions {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: OutboxSignal,
  ) {}

  /** Moves the transaction, or answers why not (CONS_1000011 for a decided one, CONS_1000014 otherwise). */
  async transition(
    id: string,
    to: ConsentStatus,
    actor: string,
    opts: { detail?: Record<string, unknown>; manager?: EntityManager } = {},
  ): Promise<TransitionResult> {
    const moved = await this.tryTransition(id, to, actor, opts);
    if (moved) return moved;
    const runner = opts.manager ?? this.db.manager;
    const rows: { status: ConsentStatus; sp_transaction_id: string; overdue: boolean }[] = await runner.query(
      `SELECT status, sp_transaction_id, expires_at <= now() AS overdue FROM consent_transactions WHERE id = $1`,
      [id],
    );
    const current = rows[0];
    if (!current) throw new ApiError('CONS_1000019', { uaePassTransactionID: id });
    if (current.status === 'EXPIRED' || (current.status === 'TRIGGERED' && current.overdue))
      throw new ApiError('CONS_1000013', { spTransactionID: current.sp_transaction_id });
    if (current.status !== 'TRIGGERED' && sourcesOf(to).includes('TRIGGERED')) {
      throw new ApiError('CONS_1000011', { spTransactionID: current.sp_transaction_id, status: current.status });
    }
    throw new ApiError('CONS_1000014', { spTransactionID: current.sp_transaction_id, from: current.status, to });
  }

  /** Moves the transaction if the state machine allows it; null when it does not (nothing written). */
  async tryTransition(
    id: string,
    to: ConsentStatus,
    actor: string,
    opts: { detail?: Record<string, unknown>; manager?: EntityManager } = {},
  ): Promise<TransitionResult | null> {
    const runner = opts.manager ?? this.db.manager;
    // The event's id is also its callback's (outbox) id: unique forever, so no queue ever
    // mistakes it for a job of an earlier database. event_seq is read from the locked row, so
    // concurrent movers of one transaction never number two events alike.
    const rows: { id: string; sp_id: string; sp_transaction_id: string; from_status: ConsentStatus; event_id: string; sequence: number }[] = await runner.query(
      `WITH moved AS (
           UPDATE consent_transactions t
              SET status = $2, updated_at = now(), event_seq = t.event_seq + 1,
                  decided_at = CASE WHEN $2 IN ('ACCEPTED','REJECTED') THEN now() ELSE t.decided_at END
             FROM (SELECT id, status FROM consent_transactions WHERE id = $1 FOR UPDATE) old
            WHERE t.id = old.id AND old.status = ANY($3::text[])
              -- a pending request past its expiry already reads as EXPIRED on the status route,
              -- so EXPIRED is the only move left to it (no late decision, cancel or INIT_FAILED)
              AND (old.status <> 'TRIGGERED' OR t.expires_at > now() OR $2 = 'EXPIRED')
            RETURNING t.id, t.sp_id, t.sp_transaction_id, old.status AS from_status, t.event_seq AS sequence
         ), event AS (
           INSERT INTO consent_events (transaction_id, from_status, to_status, actor, detail, event_id, sequence)
           SELECT id, from_status, $2, $4, $5::jsonb, $7, sequence FROM moved
         ), callback AS (
           INSERT INTO outbox (topic, transaction_id, payload, event_id, sp_id)
           SELECT 'callback', id, jsonb_build_object('status', $2::text), $7, sp_id FROM moved WHERE $6
         )
         SELECT id, sp_id, sp_transaction_id, from_status, $7::uuid AS event_id, sequence FROM moved`,
      [id, to, sourcesOf(to), actor, opts.detail ? JSON.stringify(opts.detail) : null, CALLBACK_STATUSES.includes(to), uuidV7()],
    );
    const row = rows[0];
    if (row && CALLBACK_STATUSES.includes(to)) this.outbox.kickAfterCommit(opts.manager);
    return row
      ? { id: row.id, spId: row.sp_id, spTransactionId: row.sp_transaction_id, from: row.from_status, to, eventId: row.event_id, sequence: row.sequence }
      : null;
  }
}
