import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConsentStatus } from '../consent/consent-state-machine';

/** Statuses whose retention is RETENTION_ACCEPTED_DAYS: consent was given, so it is the SP's proof. */
const ACCEPTED_LIKE: readonly ConsentStatus[] = ['ACCEPTED', 'REVOKED'];
const ACCEPTED_LIKE_SQL = `(${ACCEPTED_LIKE.map((s) => `'${s}'`).join(',')})`;

/** The two retention periods, in days. */
export interface RetentionPeriods {
  retentionDays: number;
  retentionAcceptedDays: number;
}

export interface DueTransactionRow {
  id: string;
  sp_id: string;
  sp_transaction_id: string;
  status: ConsentStatus;
  updated_at: Date;
  due_since: Date;
}

/** SQL condition of a due transaction; $1 and $2 are the two periods in days. */
const DUE = `anonymised_at IS NULL AND status <> 'TRIGGERED' AND (
      (status IN ${ACCEPTED_LIKE_SQL} AND updated_at < now() - make_interval(days => $2::int))
   OR (status NOT IN ${ACCEPTED_LIKE_SQL} AND updated_at < now() - make_interval(days => $1::int)))`;

/**
 * An ended standing consent (revoked, or past validUntil) kept beyond the accepted period; $1 is
 * that period in days. Its granting transaction and events keep the history.
 */
const STANDING_DUE = `coalesce(revoked_at, valid_until) < now() - make_interval(days => $1::int)`;

const periodArgs = (p: RetentionPeriods) => [p.retentionDays, p.retentionAcceptedDays];

/**
 * Storage limitation on consent_transactions, consent_documents and standing_consents: which
 * rows are past their retention period, and anonymising or deleting them.
 */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Due transactions per status, by status. */
  async dueCounts(p: RetentionPeriods): Promise<{ status: string; n: number }[]> {
    const rows: { status: string; n: string }[] = await this.db.query(
      `SELECT status, count(*) AS n FROM consent_transactions WHERE ${DUE} GROUP BY status ORDER BY status`,
      periodArgs(p),
    );
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }

  /** The due transactions that changed longest ago, at most `limit`; never the data that will be removed. */
  oldestDue(p: RetentionPeriods, limit: number): Promise<DueTransactionRow[]> {
    return this.db.query(
      `SELECT id, sp_id, sp_transaction_id, status, updated_at,
              updated_at + make_interval(days => CASE WHEN status IN ${ACCEPTED_LIKE_SQL} THEN $2::int ELSE $1::int END) AS due_since
         FROM consent_transactions WHERE ${DUE} ORDER BY updated_at LIMIT $3`,
      [...periodArgs(p), limit],
    );
  }

  async countEndedStandingConsents(acceptedDays: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM standing_consents WHERE ${STANDING_DUE}`, [acceptedDays]);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Anonymises at most `batchSize` due transactions and their documents; answers how many.
   * One statement: the rows, their documents and the mark commit together. SKIP LOCKED lets a
   * decision or revocation in flight finish first (it is taken next run).
   */
  async anonymiseBatch(p: RetentionPeriods, batchSize: number): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `WITH due AS (
         SELECT id FROM consent_transactions WHERE ${DUE}
          ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), tx AS (
         UPDATE consent_transactions t
            SET purpose = NULL, purpose_ar = NULL, requestor_name = NULL, requestor_name_ar = NULL,
                requestor_enc = NULL, receipt = NULL, consent_terms = NULL, anonymised_at = now()
           FROM due WHERE t.id = due.id
         RETURNING t.id
       ), docs AS (
         UPDATE consent_documents d SET name = d.type, name_ar = d.type_ar, metadata = '[]'::jsonb
           FROM tx WHERE d.transaction_id = tx.id
       )
       SELECT count(*) AS n FROM tx`,
      [...periodArgs(p), batchSize],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Deletes the ended standing consents kept beyond the accepted period; answers how many. */
  async deleteEndedStandingConsents(acceptedDays: number): Promise<number> {
    const ended: unknown[] = await this.db.query(`DELETE FROM standing_consents WHERE ${STANDING_DUE} RETURNING id`, [acceptedDays]);
    return ended.length;
  }
}
