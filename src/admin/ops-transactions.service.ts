import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError, fieldError } from '../common/errors/api-error';
import { SqlFilter } from '../common/sql-filter';
import { CONSENT_STATUSES, ConsentStatus } from '../consent/consent-state-machine';
import { maskIdentifier } from '../consent/identifier-rules';
import { outboxJobId } from '../outbox/outbox-jobs';
import type { OutboxTopic } from '../outbox/outbox-topics';
import { InjectReadDataSource } from '../database/read-database';
import type { KeyMaterial } from '../common/key-material';
import type { IdDocType } from '../users/id-doc-types';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_TEXT, UUID } from './ops-cursor';
import { CountTransactionsQuery, SearchTransactionsQuery, StatusCountsDto, TransactionPageDto, TransactionSummaryDto } from './ops-dto';

interface TransactionRow {
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
  created_text: string;
  updated_at: Date;
  expires_at: Date;
  decided_at: Date | null;
}

// Never requestor_enc (the requestor's identifier and additionalInfo) nor the receipt body.
const SUMMARY_COLUMNS = `id, sp_id, sp_transaction_id, status, request_type, id_doc_type, requested_by_id, purpose, purpose_ar,
  created_at, created_at::text AS created_text, updated_at, expires_at, decided_at`;

function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

function summary(r: TransactionRow): TransactionSummaryDto {
  return {
    uaePassTransactionID: r.id,
    spId: r.sp_id,
    spTransactionID: r.sp_transaction_id,
    status: r.status,
    requestType: r.request_type,
    idDocType: r.id_doc_type,
    requestedById: r.requested_by_id,
    purpose: r.purpose,
    purposeAr: r.purpose_ar,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    expiresAt: iso(r.expires_at)!,
    decidedAt: iso(r.decided_at),
  };
}

function timeRange(from: string | undefined, to: string | undefined): void {
  if (from && to && Date.parse(from) >= Date.parse(to)) throw fieldError('to', 'format');
}

/** The operator's view of consent transactions: search, one in full, counts by status. */
@Injectable()
export class OpsTransactionsService {
  constructor(
    // Search and reads may lag the primary by the replica's delay (DATABASE_READ_URL).
    @InjectReadDataSource() private readonly db: DataSource,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** Newest first; the keyset (created_at, id) keeps pages stable while new rows arrive. */
  async search(q: SearchTransactionsQuery): Promise<TransactionPageDto> {
    timeRange(q.from, q.to);
    const limit = q.limit ?? 50;
    const filter = new SqlFilter();
    if (q.status) filter.add('status = ?', q.status);
    if (q.spId) filter.add('sp_id = ?', q.spId);
    if (q.spTransactionID) filter.add('sp_transaction_id = ?', q.spTransactionID);
    if (q.uaePassTransactionID) filter.add('id = ?::uuid', q.uaePassTransactionID);
    if (q.from) filter.add('created_at >= ?::timestamptz', q.from);
    if (q.to) filter.add('created_at < ?::timestamptz', q.to);
    if (q.cursor) filter.add('(created_at, id) < (?::timestamptz, ?::uuid)', ...decodeCursor(q.cursor, [PG_TIMESTAMP_TEXT, UUID]));
    const rows: TransactionRow[] = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM consent_transactions ${filter.where}
        ORDER BY created_at DESC, id DESC LIMIT ${filter.param(limit + 1)}`,
      filter.args,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(summary), nextCursor: rows.length > limit && last ? encodeCursor([last.created_text, last.id]) : null };
  }

  /** One transaction with everything that happened to it; the user's identifier only masked. */
  async get(id: string) {
    if (!UUID.test(id)) throw new ApiError('CONS_1000019', { uaePassTransactionID: id.slice(0, 64) });
    const rows: (TransactionRow & {
      user_id: string;
      requestor_name: string | null;
      requestor_name_ar: string | null;
      requestor_id_type: string | null;
      has_receipt: boolean;
    })[] = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS}, user_id, requestor_name, requestor_name_ar, requestor_id_type, receipt IS NOT NULL AS has_receipt
           FROM consent_transactions WHERE id = $1`,
      [id],
    );
    const tx = rows[0];
    if (!tx) throw new ApiError('CONS_1000019', { uaePassTransactionID: id });
    const [documents, events, notificationAttempts, callbackAttempts, outbox, userDocs] = await Promise.all([
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
      this.db.query(`SELECT identifier_enc FROM user_documents WHERE user_id = $1 AND id_doc_type = $2 LIMIT 1`, [tx.user_id, tx.id_doc_type]) as Promise<
        { identifier_enc: string }[]
      >,
    ]);
    return {
      ...summary(tx),
      user: { id: tx.user_id, identifier: userDocs[0] ? this.masked(tx.id_doc_type as IdDocType, userDocs[0].identifier_enc) : null },
      requestor: tx.requestor_name ? { name: tx.requestor_name, nameAr: tx.requestor_name_ar, idType: tx.requestor_id_type } : null,
      hasReceipt: tx.has_receipt,
      documents,
      events,
      notificationAttempts,
      callbackAttempts,
      outbox: outbox.map((o: { topic: OutboxTopic; eventId: string }) => ({ ...o, jobId: outboxJobId(o.topic, o.eventId) })),
    };
  }

  /** How many transactions were created in the period, per status (every status listed, 0 included). */
  async counts(q: CountTransactionsQuery): Promise<StatusCountsDto> {
    const to = q.to ?? new Date().toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 86_400_000).toISOString();
    timeRange(from, to);
    const rows: { status: ConsentStatus; n: string }[] = await this.db.query(
      `SELECT status, count(*) AS n FROM consent_transactions
        WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz AND ($3::text IS NULL OR sp_id = $3)
        GROUP BY status`,
      [from, to, q.spId ?? null],
    );
    const counts = Object.fromEntries(CONSENT_STATUSES.map((s) => [s, 0])) as Record<ConsentStatus, number>;
    for (const r of rows) counts[r.status] = Number(r.n);
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      spId: q.spId ?? null,
      counts,
      total: rows.reduce((n, r) => n + Number(r.n), 0),
    };
  }

  private masked(idDocType: IdDocType, enc: string): string | null {
    try {
      return maskIdentifier(idDocType, this.keys.secretBox.decrypt(enc));
    } catch {
      return null; // a key no longer in the ring: show nothing rather than fail the page
    }
  }
}
