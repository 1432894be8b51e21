import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError, fieldError } from '../common/errors/api-error';
import type { ConsentStatus } from '../consent/consent-state-machine';
import type { ConsentTerms } from '../consent/consent-terms';
import { isUuid } from '../common/uuid';
import type { ListConsentsQueryDto } from './dto/app-consent.dto';

/** A pending request past its expiry reads as EXPIRED even before the sweeper records it. */
const EFFECTIVE_STATUS = `CASE WHEN t.status = 'TRIGGERED' AND t.expires_at <= now() THEN 'EXPIRED' ELSE t.status END`;

/**
 * The requesting party as the user sees it: the requesting SP's names (spToSp), or the
 * requestor's names (peerToPeer). The requestor's identifier and additionalInfo stay encrypted.
 */
const COLUMNS = `t.id, t.sp_transaction_id, ${EFFECTIVE_STATUS} AS status, t.request_type, t.purpose, t.purpose_ar,
  t.created_at, t.expires_at, t.decided_at, t.receipt IS NOT NULL AS has_receipt, t.consent_terms, t.standing_consent_id,
  owner.name AS owner_name, owner.name_ar AS owner_name_ar,
  COALESCE(req.name, t.requestor_name) AS party_name, COALESCE(req.name_ar, t.requestor_name_ar) AS party_name_ar`;
const FROM = `consent_transactions t
  JOIN service_providers owner ON owner.client_id = t.sp_id
  LEFT JOIN service_providers req ON t.request_type = 'spToSp' AND req.client_id = t.requested_by_id`;

interface Row {
  id: string;
  sp_transaction_id: string;
  status: ConsentStatus;
  request_type: 'spToSp' | 'peerToPeer';
  purpose: string | null;
  purpose_ar: string | null;
  created_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  has_receipt: boolean;
  owner_name: string;
  owner_name_ar: string;
  party_name: string | null;
  party_name_ar: string | null;
  consent_terms: ConsentTerms | null;
  standing_consent_id: string | null;
  pending_rank?: number;
}

/** Keyset cursor (pending first, then newest first): rank, creation time in microseconds, id. */
interface Cursor {
  r: number;
  c: string;
  i: string;
}

/** The user's view of their own consent requests: list, one in both languages, history. */
@Injectable()
export class AppConsentsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(userId: string, query: ListConsentsQueryDto) {
    const limit = query.limit ?? 20;
    const params: unknown[] = [userId, limit + 1];
    // CANCELLED requests were withdrawn by the SP: the app stops showing them unless asked.
    let filter = query.status ? `AND s.status = $${params.push(query.status)}` : `AND s.status <> 'CANCELLED'`;
    if (query.cursor) {
      const c = this.decodeCursor(query.cursor);
      // Row comparison is ascending: negate the creation time to walk newest first.
      filter += ` AND (s.pending_rank, -s.created_us, s.id) > ($${params.push(c.r)}::int, -$${params.push(c.c)}::bigint, $${params.push(c.i)}::uuid)`;
    }
    const rows: (Row & { pending_rank: number; created_us: string })[] = await this.db.query(
      `SELECT * FROM (
         SELECT ${COLUMNS}, CASE WHEN ${EFFECTIVE_STATUS} = 'TRIGGERED' THEN 0 ELSE 1 END AS pending_rank,
                (extract(epoch from t.created_at) * 1000000)::bigint AS created_us
           FROM ${FROM} WHERE t.user_id = $1
       ) s
       WHERE true ${filter}
       ORDER BY s.pending_rank, s.created_us DESC, s.id
       LIMIT $2`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.summary(r)),
      nextCursor: rows.length > limit && last ? this.encodeCursor({ r: last.pending_rank, c: String(last.created_us), i: last.id }) : null,
    };
  }

  async get(userId: string, transactionId: string) {
    const row = await this.row(userId, transactionId);
    const docs: {
      name: string;
      name_ar: string;
      type: string;
      type_ar: string;
      metadata: { displayName: string; displayNameAr: string }[];
      must_be_accepted: boolean;
      accepted: boolean | null;
    }[] = await this.db.query(
      `SELECT name, name_ar, type, type_ar, metadata, must_be_accepted, accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
      [transactionId],
    );
    return {
      ...this.summary(row),
      documents: docs.map((d) => ({
        name: d.name,
        nameAr: d.name_ar,
        type: d.type,
        typeAr: d.type_ar,
        metadata: d.metadata,
        mustBeAccepted: d.must_be_accepted,
        accepted: d.accepted,
      })),
      hasReceipt: row.has_receipt,
      ...termsView(row),
    };
  }

  async history(userId: string, transactionId: string) {
    await this.row(userId, transactionId);
    const events: { from_status: ConsentStatus | null; to_status: ConsentStatus; actor: string; at: Date }[] = await this.db.query(
      `SELECT from_status, to_status, actor, at FROM consent_events WHERE transaction_id = $1 ORDER BY id`,
      [transactionId],
    );
    return {
      uaePassTransactionID: transactionId,
      items: events.map((e) => ({ from: e.from_status, to: e.to_status, actor: e.actor.split(':')[0], at: e.at })),
    };
  }

  private async row(userId: string, transactionId: string): Promise<Row> {
    const rows: Row[] = isUuid(transactionId)
      ? await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1 AND t.user_id = $2`, [transactionId, userId])
      : [];
    if (!rows[0]) throw new ApiError('CONS_1000019', { uaePassTransactionID: transactionId.slice(0, 64) });
    return rows[0];
  }

  private summary(r: Row) {
    return {
      uaePassTransactionID: r.id,
      spTransactionID: r.sp_transaction_id,
      status: r.status,
      requestType: r.request_type,
      dataOwner: { name: r.owner_name, nameAr: r.owner_name_ar },
      requestingParty: { name: r.party_name, nameAr: r.party_name_ar },
      purpose: r.purpose,
      purposeAr: r.purpose_ar,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      decidedAt: r.decided_at,
    };
  }

  private encodeCursor(c: Cursor): string {
    return Buffer.from(JSON.stringify(c)).toString('base64url');
  }

  private decodeCursor(raw: string): Cursor {
    try {
      const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
      if ((c.r === 0 || c.r === 1) && /^\d{1,20}$/.test(c.c) && isUuid(c.i)) return c;
    } catch {
      /* answered below */
    }
    throw fieldError('cursor', 'format');
  }
}

/**
 * Issue 21, only for requests that use them: the statement and terms link to show before the
 * decision, the date a standing consent would last until, and the standing consent a request was
 * answered from.
 */
function termsView(r: Row) {
  const t = r.consent_terms;
  return {
    ...(t?.statement ? { consent: { statement: t.statement, statementAr: t.statementAr, ...(t.termsUrl ? { termsUrl: t.termsUrl } : {}) } } : {}),
    ...(t?.validUntil ? { validUntil: t.validUntil } : {}),
    ...(r.standing_consent_id ? { standingConsentId: r.standing_consent_id } : {}),
  };
}
