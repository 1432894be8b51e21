import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { ConsentStatus } from '../consent/consent-state-machine';
import { maskIdentifier } from '../consent/identifier-rules';
import { isUuid } from '../common/uuid';
import type { KeyMaterial } from '../common/key-material';
import type { IdDocType } from '../users/id-doc-types';

/** A pending request past its expiry reads as EXPIRED, as everywhere else. */
const EFFECTIVE_STATUS = `CASE WHEN t.status = 'TRIGGERED' AND t.expires_at <= now() THEN 'EXPIRED' ELSE t.status END`;
/** Statuses in which the user gave consent (REVOKED was given, then withdrawn). */
const CONSENTED = `('ACCEPTED','REVOKED')`;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export interface Recipient {
  spId: string;
  name: string;
  nameAr: string;
  /** Consents this SP received as the requesting SP (it got the documents). */
  asRequester: number;
  /** Consents this SP received as the data owner (it shared the documents). */
  asDataOwner: number;
  /** Of those, still in force (ACCEPTED, not revoked). */
  active: number;
  firstConsentAt: string;
  lastConsentAt: string;
}

/**
 * The user's rights over their own data (access and transparency): a JSON export of their
 * consent history, and every SP that received a consent from them. Every query is bound to the
 * caller's own profile id; the requestor's identifier and additionalInfo (another person's data)
 * are never decrypted here, and the user's own identifiers are shown masked as everywhere else.
 */
@Injectable()
export class UserRightsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  async export(userId: string) {
    const profile = await this.profile(userId);
    const [documents, transactions, consentDocuments, events, standing] = await Promise.all([
      this.db.query(`SELECT id_doc_type, identifier_enc FROM user_documents WHERE user_id = $1 ORDER BY id_doc_type`, [userId]) as Promise<
        { id_doc_type: IdDocType; identifier_enc: string }[]
      >,
      this.db.query(
        `SELECT t.id, t.sp_id, t.sp_transaction_id, t.id_doc_type, t.request_type, t.requested_by_id, t.purpose, t.purpose_ar,
                t.requestor_name, t.requestor_name_ar, t.requestor_id_type, ${EFFECTIVE_STATUS} AS status,
                t.created_at, t.updated_at, t.expires_at, t.decided_at, t.anonymised_at, t.receipt, t.consent_terms, t.standing_consent_id
           FROM consent_transactions t WHERE t.user_id = $1 ORDER BY t.created_at, t.id`,
        [userId],
      ) as Promise<ExportRow[]>,
      this.db.query(
        `SELECT d.transaction_id, d.name, d.name_ar, d.type, d.type_ar, d.metadata, d.must_be_accepted, d.accepted
           FROM consent_documents d JOIN consent_transactions t ON t.id = d.transaction_id
          WHERE t.user_id = $1 ORDER BY d.transaction_id, d.position`,
        [userId],
      ) as Promise<
        {
          transaction_id: string;
          name: string;
          name_ar: string;
          type: string;
          type_ar: string;
          metadata: unknown;
          must_be_accepted: boolean;
          accepted: boolean | null;
        }[]
      >,
      this.db.query(
        `SELECT e.transaction_id, e.from_status, e.to_status, e.actor, e.at, e.detail
           FROM consent_events e JOIN consent_transactions t ON t.id = e.transaction_id
          WHERE t.user_id = $1 ORDER BY e.id`,
        [userId],
      ) as Promise<{ transaction_id: string; from_status: string | null; to_status: string; actor: string; at: Date; detail: unknown }[]>,
      this.db.query(
        `SELECT s.id, s.sp_id, s.request_type, s.document_types, s.valid_until, s.created_at, s.revoked_at
           FROM standing_consents s WHERE s.user_id = $1 ORDER BY s.created_at, s.id`,
        [userId],
      ) as Promise<
        { id: string; sp_id: string; request_type: string; document_types: string[]; valid_until: Date; created_at: Date; revoked_at: Date | null }[]
      >,
    ]);
    const spIds = [...new Set(transactions.flatMap((t) => [t.sp_id, t.requested_by_id].filter((s): s is string => !!s)))];
    const sps: { client_id: string; name: string; name_ar: string }[] = spIds.length
      ? await this.db.query(`SELECT client_id, name, name_ar FROM service_providers WHERE client_id = ANY($1) ORDER BY client_id`, [spIds])
      : [];
    const group = <T extends { transaction_id: string }>(rows: T[]) => {
      const by = new Map<string, T[]>();
      for (const r of rows) by.set(r.transaction_id, [...(by.get(r.transaction_id) ?? []), r]);
      return by;
    };
    const docsOf = group(consentDocuments);
    const eventsOf = group(events);
    return {
      exportedAt: new Date().toISOString(),
      user: {
        id: profile.id,
        name: profile.name,
        nameAr: profile.name_ar,
        verified: profile.verified,
        createdAt: iso(profile.created_at),
        documents: documents.map((d) => ({ idDocType: d.id_doc_type, identifier: this.masked(d.id_doc_type, d.identifier_enc) })),
      },
      transactions: transactions.map((t) => ({
        uaePassTransactionID: t.id,
        spTransactionID: t.sp_transaction_id,
        spId: t.sp_id,
        idDocType: t.id_doc_type,
        requestType: t.request_type,
        requestedById: t.requested_by_id,
        requestor: t.requestor_name ? { name: t.requestor_name, nameAr: t.requestor_name_ar, idType: t.requestor_id_type } : null,
        purpose: t.purpose,
        purposeAr: t.purpose_ar,
        status: t.status,
        createdAt: iso(t.created_at),
        updatedAt: iso(t.updated_at),
        expiresAt: iso(t.expires_at),
        decidedAt: iso(t.decided_at),
        anonymisedAt: iso(t.anonymised_at),
        receipt: t.receipt,
        ...(t.consent_terms ? { consentTerms: t.consent_terms } : {}),
        ...(t.standing_consent_id ? { standingConsentId: t.standing_consent_id } : {}),
        documents: (docsOf.get(t.id) ?? []).map((d) => ({
          type: d.type,
          typeAr: d.type_ar,
          name: d.name,
          nameAr: d.name_ar,
          metadata: d.metadata,
          mustBeAccepted: d.must_be_accepted,
          accepted: d.accepted,
        })),
        events: (eventsOf.get(t.id) ?? []).map((e) => ({ from: e.from_status, to: e.to_status, actor: e.actor, at: iso(e.at), detail: e.detail })),
      })),
      // Who may rely on a consent again without asking (the recipient is the granting transaction's).
      standingConsents: standing.map((s) => ({
        id: s.id,
        spId: s.sp_id,
        requestType: s.request_type,
        documentTypes: s.document_types,
        validUntil: iso(s.valid_until),
        createdAt: iso(s.created_at),
        revokedAt: iso(s.revoked_at),
      })),
      serviceProviders: sps.map((s) => ({ spId: s.client_id, name: s.name, nameAr: s.name_ar })),
    };
  }

  /** Every SP that received a consent from the user, with how and when. */
  async recipients(userId: string): Promise<{ items: Recipient[] }> {
    await this.profile(userId);
    const rows: { sp_id: string; name: string; name_ar: string; as_requester: string; as_owner: string; active: string; first_at: Date; last_at: Date }[] =
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
    return {
      items: rows.map((r) => ({
        spId: r.sp_id,
        name: r.name,
        nameAr: r.name_ar,
        asRequester: Number(r.as_requester),
        asDataOwner: Number(r.as_owner),
        active: Number(r.active),
        firstConsentAt: iso(r.first_at)!,
        lastConsentAt: iso(r.last_at)!,
      })),
    };
  }

  /** A token whose subject has no profile (deleted, or an external IdP's user unknown here): `0001`. */
  private async profile(userId: string): Promise<{ id: string; name: string; name_ar: string; verified: boolean; created_at: Date }> {
    const rows = isUuid(userId) ? await this.db.query(`SELECT id, name, name_ar, verified, created_at FROM user_profiles WHERE id = $1`, [userId]) : [];
    if (!rows[0]) throw new ApiError('0001');
    return rows[0];
  }

  private masked(idDocType: IdDocType, enc: string): string | null {
    try {
      return maskIdentifier(idDocType, this.keys.secretBox.decrypt(enc));
    } catch {
      return null; // under a key no longer in the ring: show nothing rather than fail the export
    }
  }
}

interface ExportRow {
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
