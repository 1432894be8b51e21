import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The database-backed gauges of /metrics: small aggregates over consent_transactions, outbox and
 * the attempt tables. Each takes the manager of `inBoundedSession`, so they share one connection.
 */
@Injectable()
export class MetricsSnapshotRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Runs `work` on one connection (one READ COMMITTED transaction) where every statement gives
   * up after `timeoutMs`: a slow count fails instead of holding the pool.
   */
  inBoundedSession<T>(timeoutMs: number, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', async (m) => {
      await m.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
      return work(m);
    });
  }

  async transactionsByStatus(m: EntityManager = this.db.manager): Promise<{ status: string; n: number }[]> {
    const rows: { status: string; n: string }[] = await m.query(`SELECT status, count(*) AS n FROM consent_transactions GROUP BY status`);
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }

  /** Outbox rows not yet relayed, per topic. */
  async pendingOutboxByTopic(m: EntityManager = this.db.manager): Promise<{ topic: string; n: number }[]> {
    const rows: { topic: string; n: string }[] = await m.query(`SELECT topic, count(*) AS n FROM outbox WHERE dispatched_at IS NULL GROUP BY topic`);
    return rows.map((r) => ({ topic: r.topic, n: Number(r.n) }));
  }

  /** Age in seconds of the oldest outbox row not yet relayed, 0 when there is none. */
  async oldestPendingOutboxSeconds(m: EntityManager = this.db.manager): Promise<number> {
    const rows: { age: number | null }[] = await m.query(
      `SELECT extract(epoch FROM now() - min(created_at))::float AS age FROM outbox WHERE dispatched_at IS NULL`,
    );
    return Number(rows[0]?.age ?? 0);
  }

  async pushAttemptsByOutcome(m: EntityManager = this.db.manager): Promise<{ platform: string; outcome: string; n: number }[]> {
    const rows: { platform: string; outcome: string; n: string }[] = await m.query(
      `SELECT platform, outcome, count(*) AS n FROM notification_attempts GROUP BY platform, outcome`,
    );
    return rows.map((r) => ({ platform: r.platform, outcome: r.outcome, n: Number(r.n) }));
  }

  async callbackAttemptsBySp(m: EntityManager = this.db.manager): Promise<{ sp_id: string; delivered: boolean; n: number }[]> {
    const rows: { sp_id: string; delivered: boolean; n: string }[] = await m.query(
      `SELECT t.sp_id, a.delivered, count(*) AS n FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id GROUP BY t.sp_id, a.delivered`,
    );
    return rows.map((r) => ({ sp_id: r.sp_id, delivered: r.delivered, n: Number(r.n) }));
  }
}
