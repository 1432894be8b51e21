import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsentStatus, effectiveStatusSql } from '../consent/consent-state-machine';
import type { ConsentTerms } from '../consent/consent-terms';

/** One of the user's requests as the app shows it. */
export interface AppConsentRow {
  id: string;
  sp_transaction_id: string;
  /** The effective status: an overdue pending request reads EXPIRED. */
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
}

/** A list row, with its sort key (pending first, then newest first). */
export interface AppConsentListRow extends AppConsentRow {
  pending_rank: number;
  /** created_at in microseconds, as text (a bigint). */
  created_us: string;
}

/** Where a page starts: after this sort key. */
export interface AppConsentListKey {
  pendingRank: number;
  createdUs: string;
  id: string;
}

export interface AppConsentListFilter {
  /** Only this status, or every status but `except`. */
  only?: ConsentStatus;
  except?: ConsentStatus;
}

const STATUS = effectiveStatusSql('t');

/**
 * The requesting party as the user sees it: the requesting SP's names (spToSp), or the
 * requestor's names (peerToPeer). The requestor's identifier and additionalInfo stay encrypted.
 */
const COLUMNS = `t.id, t.sp_transaction_id, ${STATUS} AS status, t.request_type, t.purpose, t.purpose_ar,
  t.created_at, t.expires_at, t.decided_at, t.receipt IS NOT NULL AS has_receipt, t.consent_terms, t.standing_consent_id,
  owner.name AS owner_name, owner.name_ar AS owner_name_ar,
  COALESCE(req.name, t.requestor_name) AS party_name, COALESCE(req.name_ar, t.requestor_name_ar) AS party_name_ar`;
const FROM = `consent_transactions t
  JOIN service_providers owner ON owner.client_id = t.sp_id
  LEFT JOIN service_providers req ON t.request_type = 'spToSp' AND req.client_id = t.requested_by_id`;

/** The user's view of their requests: consent_transactions with the SPs' names (service_providers). */
@Injectable()
export class AppConsentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One page of the user's requests, pending first, then newest first, after `after`. */
  listForUser(userId: string, filter: AppConsentListFilter, after: AppConsentListKey | null, limit: number): Promise<AppConsentListRow[]> {
    const params: unknown[] = [userId, limit];
    let where = filter.only ? `AND s.status = $${params.push(filter.only)}` : filter.except ? `AND s.status <> $${params.push(filter.except)}` : '';
    if (after) {
      // Row comparison is ascending: negate the creation time to walk newest first.
      where += ` AND (s.pending_rank, -s.created_us, s.id) > ($${params.push(after.pendingRank)}::int, -$${params.push(after.createdUs)}::bigint, $${params.push(after.id)}::uuid)`;
    }
    return this.db.query(
      `SELECT * FROM (
         SELECT ${COLUMNS}, CASE WHEN ${STATUS} = 'TRIGGERED' THEN 0 ELSE 1 END AS pending_rank,
                (extract(epoch from t.created_at) * 1000000)::bigint AS created_us
           FROM ${FROM} WHERE t.user_id = $1
       ) s
       WHERE true ${where}
       ORDER BY s.pending_rank, s.created_us DESC, s.id
       LIMIT $2`,
      params,
    );
  }

  /** One request by id; its owner is checked before (ownedTransaction). */
  async find(transactionId: string): Promise<AppConsentRow | null> {
    const rows: AppConsentRow[] = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1`, [transactionId]);
    return rows[0] ?? null;
  }
}
