import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/uuid';
import { runPrepared } from '../database/prepared';
import type { ConsentTerms } from './consent-terms';

/** What a send asks for, in the terms a standing consent is matched on. */
export interface ReusableQuery {
  spId: string;
  /** `sp:<clientId>` or `person:<keyed hash>` (StandingConsentService.recipientOf). */
  recipient: string;
  identifierHash: string;
  idDocType: string;
  requestType: 'spToSp' | 'peerToPeer';
  documentTypes: string[];
  validUntil: string | null;
  statement: string | null;
  statementAr: string | null;
  termsUrl: string | null;
}

export interface StandingGrant {
  id: string;
  spId: string;
  userId: string;
  requestType: 'spToSp' | 'peerToPeer';
  recipient: string;
  documentTypes: string[];
  validUntil: string;
}

export type StandingStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** One standing consent as the user's list shows it. */
export interface StandingListRow {
  id: string;
  sp_transaction_id: string;
  request_type: 'spToSp' | 'peerToPeer';
  valid_until: Date;
  created_at: Date;
  revoked_at: Date | null;
  status: StandingStatus;
  owner_name: string;
  owner_name_ar: string;
  party_name: string | null;
  party_name_ar: string | null;
  purpose: string | null;
  purpose_ar: string | null;
  consent_terms: ConsentTerms | null;
  documents: { type: string; name: string; nameAr: string }[];
  uses: string;
}

/**
 * The conditions a live standing consent `s` meets on its own row (no other table): same SP, same
 * recipient and request type, accepting every requested document, not revoked, not expired. The
 * send statement (consent.repository.ts) tests them, with the user its profile lookup found, for
 * every send; the lookups below add the rest.
 */
export function liveStandingSql(p: { spId: string; recipient: string; requestType: string; documentTypes: string }): string {
  return `s.sp_id = ${p.spId} AND s.recipient = ${p.recipient} AND s.request_type = ${p.requestType}
     AND s.revoked_at IS NULL AND s.valid_until > now()
     AND s.document_types @> ${p.documentTypes}`;
}

/**
 * The live standing consents a send may rely on: same SP, same user (through the identifier's
 * keyed hash, verified profile holding that document type), same recipient, accepting every
 * requested document, not revoked, not expired, lasting at least as long as the send asks, and
 * (when the send carries a statement) agreed to with exactly that statement and terms link.
 * It reads user_documents and user_profiles itself: the match must be one indexed statement.
 */
const REUSABLE_SQL = `
  SELECT s.id, s.user_id
    FROM standing_consents s
    JOIN user_documents d ON d.user_id = s.user_id AND d.identifier_hash = $3 AND d.id_doc_type = $4
    JOIN user_profiles p ON p.id = s.user_id AND p.verified
   WHERE ${liveStandingSql({ spId: '$1', recipient: '$2', requestType: '$5', documentTypes: '$6::text[]' })}
     AND ($7::timestamptz IS NULL OR s.valid_until >= $7::timestamptz)
     AND EXISTS (SELECT 1 FROM consent_transactions t
                  WHERE t.id = s.id AND t.status = 'ACCEPTED'
                    AND ($8::text IS NULL OR (t.consent_terms->>'statement' = $8 AND t.consent_terms->>'statementAr' = $9
                                              AND coalesce(t.consent_terms->>'termsUrl', '') = coalesce($10, ''))))
   ORDER BY s.valid_until DESC, s.id
   LIMIT 1`;

function reusableParams(q: ReusableQuery): unknown[] {
  return [q.spId, q.recipient, q.identifierHash, q.idDocType, q.requestType, q.documentTypes, q.validUntil, q.statement, q.statementAr, q.termsUrl];
}

/** All SQL on standing_consents. */
@Injectable()
export class StandingConsentRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The standing consent a send may rely on (REUSABLE_SQL), or null: what /validate asks (a send
   * learns of a candidate from its own statement). A named statement: re-planned, the four-table
   * join cost 10 ms of planning for 0.3 ms of execution (docs/benchmark.md, third session).
   */
  async findReusable(q: ReusableQuery): Promise<{ id: string; user_id: string } | null> {
    const rows = await runPrepared<{ id: string; user_id: string }>(this.db, 'consent_standing_lookup', REUSABLE_SQL, reusableParams(q));
    return rows[0] ?? null;
  }

  /**
   * The same, holding the standing consent FOR SHARE until the caller's transaction ends: a
   * revocation (an UPDATE of the row) waits for it, then sees and revokes what it created.
   */
  async findReusableForShare(q: ReusableQuery, m: EntityManager): Promise<{ id: string; user_id: string } | null> {
    const rows: { id: string; user_id: string }[] = await m.query(`${REUSABLE_SQL} FOR SHARE OF s`, reusableParams(q));
    return rows[0] ?? null;
  }

  /** Records a standing consent; once per granting transaction. */
  async insert(grant: StandingGrant, m: EntityManager): Promise<void> {
    await m.query(
      `INSERT INTO standing_consents (id, sp_id, user_id, request_type, recipient, document_types, valid_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [grant.id, grant.spId, grant.userId, grant.requestType, grant.recipient, grant.documentTypes, grant.validUntil],
    );
  }

  /**
   * The user's standing consents, newest first (at most 200), with the names of the data owner and
   * the requesting party (service_providers) and how often each was relied on.
   */
  listForUser(userId: string): Promise<StandingListRow[]> {
    return this.db.query(
      `SELECT s.id, t.sp_transaction_id, s.request_type, s.valid_until, s.created_at, coalesce(s.revoked_at, CASE WHEN t.status = 'REVOKED' THEN t.updated_at END) AS revoked_at,
              CASE WHEN s.revoked_at IS NOT NULL OR t.status <> 'ACCEPTED' THEN 'REVOKED' WHEN s.valid_until <= now() THEN 'EXPIRED' ELSE 'ACTIVE' END AS status,
              owner.name AS owner_name, owner.name_ar AS owner_name_ar,
              COALESCE(req.name, t.requestor_name) AS party_name, COALESCE(req.name_ar, t.requestor_name_ar) AS party_name_ar,
              t.purpose, t.purpose_ar, t.consent_terms,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('type', d.type, 'name', d.name, 'nameAr', d.name_ar) ORDER BY d.position), '[]'::jsonb)
                 FROM consent_documents d WHERE d.transaction_id = s.id AND d.accepted) AS documents,
              (SELECT count(*) FROM consent_transactions u WHERE u.standing_consent_id = s.id) AS uses
         FROM standing_consents s
         JOIN consent_transactions t ON t.id = s.id
         JOIN service_providers owner ON owner.client_id = s.sp_id
         LEFT JOIN service_providers req ON t.request_type = 'spToSp' AND req.client_id = t.requested_by_id
        WHERE s.user_id = $1
        ORDER BY s.created_at DESC, s.id
        LIMIT 200`,
      [userId],
    );
  }

  /**
   * The user's own standing consent, locked for its revocation; null for another user's, a
   * missing one, or an id that is no UUID.
   */
  async findOwnedForUpdate(userId: string, id: string, m: EntityManager): Promise<{ revoked_at: Date | null; status: string } | null> {
    if (!isUuid(id)) return null;
    const rows: { revoked_at: Date | null; status: string }[] = await m.query(
      `SELECT s.revoked_at, t.status FROM standing_consents s JOIN consent_transactions t ON t.id = s.id
        WHERE s.id = $1 AND s.user_id = $2 FOR UPDATE OF s`,
      [id, userId],
    );
    return rows[0] ?? null;
  }

  /**
   * Ends a standing consent; false when there is none or it had already ended. Waits for any
   * reuse holding the row FOR SHARE.
   */
  async end(id: string, m: EntityManager): Promise<boolean> {
    const ended: unknown[] = await m.query(`UPDATE standing_consents SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
    return ended.length > 0;
  }
}
