import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsentStatus, EFFECTIVE_STATUS_SQL } from '../consent/consent-state-machine';
import type { IdDocType } from '../users/id-doc-types';

/** Statuses in which the user gave consent (REVOKED was given, then withdrawn). */
const CONSENTED = `('ACCEPTED','REVOKED')`;

export interface ProfileRow {
  id: string;
  name: string;
  name_ar: string;
  verified: boolean;
  created_at: Date;
}

export interface ExportTransactionRow {
  id: string;
  sp_id: string;
  sp_transaction_id: string;
  id_doc_type: string;
  request_type: string;
  requested_by_id: string | null;
  purpose: string | null;
  purpose_ar: string | null;
  requestor_name: string | null;
  requestor_name_ar: string | null;
  requestor_id_type: string | null;
  /** The effective status: a pending request past its expiry reads as EXPIRED. */
  status: ConsentStatus;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  anonymised_at: Date | null;
  receipt: string | null;
  consent_terms: Record<string, string> | null;
  standing_consent_id: string | null;
}

export interface ExportDocumentRow {
  transaction_id: string;
  name: string;
  name_ar: string;
  type: string;
  type_ar: string;
  metadata: unknown;
  must_be_accepted: boolean;
  accepted: boolean | null;
}

export interface ExportEventRow {
  transaction_id: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  at: Date;
  detail: unknown;
}

export interface ExportStandingConsentRow {
  id: string;
  sp_id: string;
  request_type: string;
  document_types: string[];
  valid_until: Date;
  created_at: Date;
  revoked_at: Date | null;
}

/** Everything stored about one user, as the export shows it; the requestor's encrypted data is never read. */
export interface UserDataRows {
  documents: { id_doc_type: IdDocType; identifier_enc: string }[];
  transactions: ExportTransactionRow[];
  consentDocuments: ExportDocumentRow[];
  events: ExportEventRow[];
  standingConsents: ExportStandingConsentRow[];
}

export interface RecipientRow {
  sp_id: string;
  name: string;
  name_ar: string;
  as_requester: number;
  as_owner: number;
  active: number;
  first_at: Date;
  last_at: Date;
}

/**
 * The user's rights over their data (export, recipients) read across the tables that hold it.
 * Every statement is bound to one profile id.
 */
@Injectable()
export class UserDataRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findProfile(userId: string): Promise<ProfileRow | undefined> {
    const rows: ProfileRow[] = await this.db.query(`SELECT id, name, name_ar, verified, created_at FROM user_profiles WHERE id = $1`, [userId]);
    return rows[0];
  }

  async exportRows(userId: string): Promise<UserDataRows> {
    const [documents, transactions, consentDocuments, events, standingConsents] = await Promise.all([
      this.db.query(`SELECT id_doc_type, identifier_enc FROM user_documents WHERE user_id = $1 ORDER BY id_doc_type`, [userId]),
      this.db.query(
        `SELECT t.id, t.sp_id, t.sp_transaction_id, t.id_doc_type, t.request_type, t.requested_by_id, t.purpose, t.purpose_ar,
                t.requestor_name, t.requestor_name_ar, t.requestor_id_type, ${EFFECTIVE_STATUS_SQL} AS status,
                t.created_at, t.updated_at, t.expires_at, t.decided_at, t.anonymised_at, t.receipt, t.consent_terms, t.standing_consent_id
           FROM consent_transactions t WHERE t.user_id = $1 ORDER BY t.created_at, t.id`,
        [userId],
      ),
      this.db.query(
        `SELECT d.transaction_id, d.name, d.name_ar, d.type, d.type_ar, d.metadata, d.must_be_accepted, d.accepted
           FROM consent_documents d JOIN consent_transactions t ON t.id = d.transaction_id
          WHERE t.user_id = $1 ORDER BY d.transaction_id, d.position`,
        [userId],
      ),
      this.db.query(
        `SELECT e.transaction_id, e.from_status, e.to_status, e.actor, e.at, e.detail
           FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id
          WHERE t.user_id = $1 ORDER BY e.id`,
        [userId],
      ),
      this.db.query(
        `SELECT s.id, s.sp_id, s.request_type, s.document_types, s.valid_until, s.created_at, s.revoked_at
           FROM standing_consents s WHERE s.user_id = $1 ORDER BY s.created_at, s.id`,
        [userId],
      ),
    ]);
    return { documents, transactions, consentDocuments, events, standingConsents };
  }

  /** The names of the given SPs (by client id). */
  serviceProviders(spIds: string[]): Promise<{ client_id: string; name: string; name_ar: string }[]> {
    if (!spIds.length) return Promise.resolve([]);
    return this.db.query(`SELECT client_id, name, name_ar FROM service_providers WHERE client_id = ANY($1) ORDER BY client_id`, [spIds]);
  }

  /** Every SP that received a consent from the user, as requester or data owner, latest first. */
  async recipients(userId: string): Promise<RecipientRow[]> {
    const rows: (Omit<RecipientRow, 'as_requester' | 'as_owner' | 'active'> & { as_requester: string; as_owner: string; active: string })[] =
      await this.db.query(
        `WITH given AS (
           SELECT t.requested_by_id AS sp_id, 'requester' AS role, t.status, coalesce(t.decided_at, t.updated_at) AS at
             FROM consent_transactions t WHERE t.user_id = $1 AND t.status IN ${CONSENTED} AND t.request_type = 'spToSp'
           UNION ALL
           SELECT t.sp_id, 'owner', t.status, coalesce(t.decided_at, t.updated_at)
             FROM consent_transactions t WHERE t.user_id = $1 AND t.status IN ${CONSENTED}
         )
         SELECT g.sp_id, sp.name, sp.name_ar,
                count(*) FILTER (WHERE role = 'requester') AS as_requester,
                count(*) FILTER (WHERE role = 'owner') AS as_owner,
                count(*) FILTER (WHERE g.status = 'ACCEPTED') AS active,
                min(g.at) AS first_at, max(g.at) AS last_at
           FROM given g JOIN service_providers sp ON sp.client_id = g.sp_id
          GROUP BY g.sp_id, sp.name, sp.name_ar
          ORDER BY max(g.at) DESC, g.sp_id`,
        [userId],
      );
    return rows.map((r) => ({ ...r, as_requester: Number(r.as_requester), as_owner: Number(r.as_owner), active: Number(r.active) }));
  }
}
