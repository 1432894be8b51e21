import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { OutboxTopic } from './outbox-topics';

/** A committed outbox row not yet relayed. */
export interface OutboxRow {
  id: string;
  topic: OutboxTopic;
  event_id: string;
  transaction_id: string;
  settled: boolean;
}

export type OutboxOutcome = 'delivered' | 'failed' | 'skipped';

/**
 * The outbox's relay and settlement. The rows themselves are inserted by the statements that
 * change a transaction's status (src/consent), in the same statement, so they commit together.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The oldest rows not yet relayed, locked for the caller's transaction; rows another relay holds are skipped. */
  async claimUndispatched(limit: number, m = this.db.manager): Promise<OutboxRow[]> {
    return m.query(
      `SELECT id, topic, event_id, transaction_id, settled_at IS NOT NULL AS settled FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async markDispatched(ids: string[], m = this.db.manager): Promise<void> {
    await m.query(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** A re-relayed row whose job had already finished learns how it ended. */
  async recordFinished(id: string, outcome: 'delivered' | 'failed', m = this.db.manager): Promise<void> {
    await m.query(`UPDATE outbox SET settled_at = now(), outcome = $2 WHERE id = $1`, [id, outcome]);
  }

  /** The event's final outcome. Once only, except that a failed event may still be settled again (an operator's retry). */
  async settle(id: string, outcome: OutboxOutcome): Promise<void> {
    await this.db.query(`UPDATE outbox SET settled_at = now(), outcome = $2 WHERE id = $1 AND (settled_at IS NULL OR outcome = 'failed')`, [id, outcome]);
  }
}
