import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ConsentStatus } from '../consent/consent-state-machine';

/** The scheduled job that anonymises transactions past their retention period. */
export const RETENTION_QUEUE = 'privacy-retention';
export const RETENTION_SCHEDULER_ID = 'privacy-retention-sweep';

/** Statuses whose retention is RETENTION_ACCEPTED_DAYS: consent was given, so it is the SP's proof. */
const ACCEPTED_LIKE: readonly ConsentStatus[] = ['ACCEPTED', 'REVOKED'];
const ACCEPTED_LIKE_SQL = `(${ACCEPTED_LIKE.map((s) => `'${s}'`).join(',')})`;

/** What anonymising removes, for the preview and the docs. */
export const ANONYMISED_FIELDS = [
  'purpose',
  'purposeAr',
  'requestor.name',
  'requestor.nameAr',
  'requestor.identifier and additionalInfo (requestor_enc)',
  'receipt',
  'documents[].name and nameAr (replaced by the document type)',
  'documents[].metadata',
  'consent statement, statementAr, termsUrl and validUntil (consent_terms)',
  'standing consents that ended (expired or revoked) longer than the accepted retention period ago',
];

export interface RetentionPreview {
  policy: { retentionDays: number; retentionAcceptedDays: number; sweepIntervalMs: number };
  /** Transactions the next run anonymises, per status. */
  due: Record<string, number>;
  /** Ended standing consents the next run deletes. */
  standingConsentsDue: number;
  total: number;
  removes: string[];
  keeps: string[];
  /** The oldest due transactions (at most `limit`), never with the data that will be removed. */
  next: { uaePassTransactionID: string; spId: string; spTransactionID: string; status: ConsentStatus; lastChangedAt: string; dueSince: string }[];
}

/**
 * Storage limitation: a decided transaction (any status but TRIGGERED) is anonymised once its
 * retention period has passed since its last status change. What identifies or describes the
 * person goes; the status, the timestamps, the SP references and the append-only event log stay,
 * so the SP's status query and the audit trail keep answering. The user link (a random profile
 * id, never an identifier) stays too: the events already name it and the user keeps seeing, and
 * can revoke, what they consented to.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** SQL condition of a due transaction; $1 and $2 are the two periods in days. */
  private static readonly DUE = `anonymised_at IS NULL AND status <> 'TRIGGERED' AND (
      (status IN ${ACCEPTED_LIKE_SQL} AND updated_at < now() - make_interval(days => $2::int))
   OR (status NOT IN ${ACCEPTED_LIKE_SQL} AND updated_at < now() - make_interval(days => $1::int)))`;

  /**
   * An ended standing consent (revoked, or past validUntil) kept beyond the accepted period; $1 is
   * that period in days. Its granting transaction and events keep the history.
   */
  private static readonly STANDING_DUE = `coalesce(revoked_at, valid_until) < now() - make_interval(days => $1::int)`;

  private periods(): [number, number] {
    return [this.config.retentionDays, this.config.retentionAcceptedDays];
  }

  async preview(limit = 50): Promise<RetentionPreview> {
    const [counts, next, standing] = await Promise.all([
      this.db.query(
        `SELECT status, count(*) AS n FROM consent_transactions WHERE ${RetentionService.DUE} GROUP BY status ORDER BY status`,
        this.periods(),
      ) as Promise<{ status: string; n: string }[]>,
      this.db.query(
        `SELECT id, sp_id, sp_transaction_id, status, updated_at,
                updated_at + make_interval(days => CASE WHEN status IN ${ACCEPTED_LIKE_SQL} THEN $2::int ELSE $1::int END) AS due_since
           FROM consent_transactions WHERE ${RetentionService.DUE} ORDER BY updated_at LIMIT $3`,
        [...this.periods(), limit],
      ) as Promise<{ id: string; sp_id: string; sp_transaction_id: string; status: ConsentStatus; updated_at: Date; due_since: Date }[]>,
      this.db.query(`SELECT count(*) AS n FROM standing_consents WHERE ${RetentionService.STANDING_DUE}`, [this.config.retentionAcceptedDays]) as Promise<
        { n: string }[]
      >,
    ]);
    return {
      policy: {
        retentionDays: this.config.retentionDays,
        retentionAcceptedDays: this.config.retentionAcceptedDays,
        sweepIntervalMs: this.config.retentionSweepIntervalMs,
      },
      due: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
      total: counts.reduce((n, c) => n + Number(c.n), 0),
      standingConsentsDue: Number(standing[0]?.n ?? 0),
      removes: ANONYMISED_FIELDS,
      keeps: [
        'status',
        'timestamps',
        'spId',
        'spTransactionID',
        'requestedById',
        'idDocType',
        'documents[].type and accepted',
        'events (the audit trail)',
        'user link',
      ],
      next: next.map((r) => ({
        uaePassTransactionID: r.id,
        spId: r.sp_id,
        spTransactionID: r.sp_transaction_id,
        status: r.status,
        lastChangedAt: new Date(r.updated_at).toISOString(),
        dueSince: new Date(r.due_since).toISOString(),
      })),
    };
  }

  /** Anonymises everything due, a batch per statement; answers how many transactions. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      // One statement per batch: the rows, their documents and the mark commit together. SKIP
      // LOCKED lets a decision or revocation in flight finish first (it is taken next run).
      const rows: { n: string }[] = await this.db.query(
        `WITH due AS (
           SELECT id FROM consent_transactions WHERE ${RetentionService.DUE}
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
        [...this.periods(), this.config.privacyBatchSize],
      );
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n < this.config.privacyBatchSize) break;
    }
    const ended: unknown[] = await this.db.query(`DELETE FROM standing_consents WHERE ${RetentionService.STANDING_DUE} RETURNING id`, [
      this.config.retentionAcceptedDays,
    ]);
    if (total > 0) this.logger.log(`retention: anonymised ${total} transaction(s)`);
    if (ended.length > 0) this.logger.log(`retention: deleted ${ended.length} ended standing consent(s)`);
    return total;
  }
}
