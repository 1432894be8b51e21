import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlFilter } from '../common/sql-filter';
import type { ConsentStatus } from '../consent/consent-state-machine';
import { InjectReadDataSource } from '../database/read-database';
import type { OutboxTopic } from '../outbox/outbox-topics';

export interface TransactionRow {
  id: string;
  sp_id: string;
  sp_transaction_id: string;
  status: ConsentStatus;
  request_type: string;
  id_doc_type: string;
  requested_by_id: string | null;
  purpose: string | null;
  purpose_ar: string | null;
  created_at: Date;
  /** Postgres' own text form of created_at (microseconds kept), the keyset cursor's first part. */
  created_text: string;
  updated_at: Date;
  expires_at: Date;
  decided_at: Date | null;
}

export interface TransactionDetailRow extends TransactionRow {
  user_id: string;
  requestor_name: string | null;
  requestor_name_ar: string | null;
  requestor_id_type: string | null;
  has_receipt: boolean;
}

/** The search filters an operator may combine; every one optional. */
export interface TransactionSearch {
  status?: ConsentStatus;
  spId?: string;
  spTransactionID?: string;
  uaePassTransactionID?: string;
  from?: string;
  to?: string;
  /** The (created_text, id) of the last row of the previous page. */
  after?: [createdText: string, id: string];
}

/** Everything that happened to one transaction, as the ops API shows it (camelCase columns). */
export interface TransactionHistory {
  documents: Record<string, unknown>[];
  events: Record<string, unknown>[];
  notificationAttempts: Record<string, unknown>[];
  callbackAttempts: Record<string, unknown>[];
  outbox: ({ topic: OutboxTopic; eventId: string } & Record<string, unknown>)[];
}

// Never requestor_enc (the requestor's identifier and additionalInfo) nor the receipt body.
const SUMMARY_COLUMNS = `id, sp_id, sp_transaction_id, status, request_type, id_doc_type, requested_by_id, purpose, purpose_ar,
  created_at, created_at::text AS created_text, updated_at, expires_at, decided_at`;

/**
 * The operators' reads of consent transactions and what hangs off them (documents, events,
 * attempts, outbox rows). Search and reads may lag the primary by the replica's delay
 * (DATABASE_READ_URL).
 */
@Injectable()
export class OpsTransactionsRepository {
  constructor(@InjectReadDataSource() private readonly db: DataSource) {}

  /** Newest first, at most `limit` rows; the keyset (created_at, id) keeps pages stable while new rows arrive. */
  search(q: TransactionSearch, limit: number): Promise<TransactionRow[]> {
    const filter = new SqlFilter();
    if (q.status) filter.add('status = ?', q.status);
    if (q.spId) filter.add('sp_id = ?', q.spId);
    if (q.spTransactionID) filter.add('sp_transaction_id = ?', q.spTransactionID);
    if (q.uaePassTransactionID) filter.add('id = ?::uuid', q.uaePassTransactionID);
    if (q.from) filter.add('created_at >= ?::timestamptz', q.from);
    if (q.to) filter.add('created_at < ?::timestamptz', q.to);
    if (q.after) filter.add('(created_at, id) < (?::timestamptz, ?::uuid)', ...q.after);
    return this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM consent_transactions ${filter.where}
        ORDER BY created_at DESC, id DESC LIMIT ${filter.param(limit)}`,
      filter.args,
    );
  }

  async findDetail(id: string): Promise<TransactionDetailRow | undefined> {
    const rows: TransactionDetailRow[] = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS}, user_id, requestor_name, requestor_name_ar, requestor_id_type, receipt IS NOT NULL AS has_receipt
           FROM consent_transactions WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async history(id: string): Promise<TransactionHistory> {
    const [documents, events, notificationAttempts, callbackAttempts, outbox] = await Promise.all([
      this.db.query(
        `SELECT position, name, name_ar AS "nameAr", type, type_ar AS "typeAr", metadata, must_be_accepted AS "mustBeAccepted", accepted
           FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
        [id],
      ),
      this.db.query(`SELECT id, from_status AS "from", to_status AS "to", actor, at, detail FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [id]),
      this.db.query(
        `SELECT id, device_id AS "deviceId", platform, attempt, outcome, status_code AS "statusCode", detail, latency_ms AS "latencyMs", at
           FROM notification_attempts WHERE transaction_id = $1 ORDER BY id`,
        [id],
      ),
      this.db.query(
        `SELECT id, status, attempt, url, status_code AS "statusCode", error, latency_ms AS "latencyMs", delivered, at
           FROM callback_attempts WHERE transaction_id = $1 ORDER BY id`,
        [id],
      ),
      this.db.query(
        `SELECT id, topic, event_id AS "eventId", created_at AS "createdAt", dispatched_at AS "dispatchedAt", settled_at AS "settledAt", outcome
           FROM outbox WHERE transaction_id = $1 ORDER BY id`,
        [id],
      ),
    ]);
    return { documents, events, notificationAttempts, callbackAttempts, outbox };
  }

  /** The user's encrypted identifier of one document type, if they still have one. */
  async userIdentifier(userId: string, idDocType: string): Promise<string | null> {
    const rows: { identifier_enc: string }[] = await this.db.query(
      `SELECT identifier_enc FROM user_documents WHERE user_id = $1 AND id_doc_type = $2 LIMIT 1`,
      [userId, idDocType],
    );
    return rows[0]?.identifier_enc ?? null;
  }

  /** Transactions created in [from, to), per status (statuses with none are absent). */
  async countByStatus(from: string, to: string, spId: string | null): Promise<{ status: ConsentStatus; n: number }[]> {
    const rows: { status: ConsentStatus; n: string }[] = await this.db.query(
      `SELECT status, count(*) AS n FROM consent_transactions
        WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz AND ($3::text IS NULL OR sp_id = $3)
        GROUP BY status`,
      [from, to, spId],
    );
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  }
}
