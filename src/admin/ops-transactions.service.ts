import { Inject, Injectable } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError, fieldError } from '../common/errors/api-error';
import { CONSENT_STATUSES, ConsentStatus } from '../consent/consent-state-machine';
import { maskStoredIdentifier } from '../consent/identifier-rules';
import { outboxJobId } from '../outbox/outbox-jobs';
import type { KeyMaterial } from '../common/key-material';
import type { IdDocType } from '../users/id-doc-types';
import { decodeCursor, encodeCursor, PG_TIMESTAMP_TEXT, UUID } from './ops-cursor';
import { CountTransactionsQuery, SearchTransactionsQuery, StatusCountsDto, TransactionPageDto, TransactionSummaryDto } from './ops-dto';
import { OpsTransactionsRepository, TransactionRow } from './ops-transactions.repository';

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
    private readonly repo: OpsTransactionsRepository,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** Newest first; the keyset (created_at, id) keeps pages stable while new rows arrive. */
  async search(q: SearchTransactionsQuery): Promise<TransactionPageDto> {
    timeRange(q.from, q.to);
    const limit = q.limit ?? 50;
    const after = q.cursor ? (decodeCursor(q.cursor, [PG_TIMESTAMP_TEXT, UUID]) as [string, string]) : undefined;
    const rows = await this.repo.search({ ...q, after }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(summary), nextCursor: rows.length > limit && last ? encodeCursor([last.created_text, last.id]) : null };
  }

  /** One transaction with everything that happened to it; the user's identifier only masked. */
  async get(id: string) {
    if (!UUID.test(id)) throw new ApiError('CONS_1000019', { uaePassTransactionID: id.slice(0, 64) });
    const tx = await this.repo.findDetail(id);
    if (!tx) throw new ApiError('CONS_1000019', { uaePassTransactionID: id });
    const [history, identifierEnc] = await Promise.all([this.repo.history(id), this.repo.userIdentifier(tx.user_id, tx.id_doc_type)]);
    return {
      ...summary(tx),
      user: { id: tx.user_id, identifier: identifierEnc ? maskStoredIdentifier(this.keys.secretBox, tx.id_doc_type as IdDocType, identifierEnc) : null },
      requestor: tx.requestor_name ? { name: tx.requestor_name, nameAr: tx.requestor_name_ar, idType: tx.requestor_id_type } : null,
      hasReceipt: tx.has_receipt,
      ...history,
      outbox: history.outbox.map((o) => ({ ...o, jobId: outboxJobId(o.topic, o.eventId) })),
    };
  }

  /** How many transactions were created in the period, per status (every status listed, 0 included). */
  async counts(q: CountTransactionsQuery): Promise<StatusCountsDto> {
    const to = q.to ?? new Date().toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 86_400_000).toISOString();
    timeRange(from, to);
    const rows = await this.repo.countByStatus(from, to, q.spId ?? null);
    const counts = Object.fromEntries(CONSENT_STATUSES.map((s) => [s, 0])) as Record<ConsentStatus, number>;
    for (const r of rows) counts[r.status] = r.n;
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      spId: q.spId ?? null,
      counts,
      total: rows.reduce((n, r) => n + r.n, 0),
    };
  }
}
