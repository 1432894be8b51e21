import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { KeyMaterial } from '../common/key-material';
import type { SpProfile } from '../service-providers/sp-directory.service';
import { UserDirectory } from '../users/user-directory.service';
import type { IdDocType } from '../users/id-doc-types';
import { ConsentTransitions } from './consent-transitions.service';
import type { ConsentTerms } from './consent-terms';
import type { SendConsentDto, SendConsentResponseDto } from './dto/send-consent.dto';
import { normalizeIdentifier } from './identifier-rules';
import { isUuid } from '../common/uuid';
import { ReceiptService } from './receipt.service';
import { encryptedRequestor, storedDocuments } from './stored-request';
import { uuidV7 } from '../database/uuid-v7';

/** What the send path has already worked out about a request. */
export interface StandingCandidate {
  identifierHash: string;
  requestType: 'spToSp' | 'peerToPeer';
  ttlSeconds: number;
  terms: ConsentTerms | null;
}

export type StandingStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/**
 * The live standing consents a send may rely on: same SP, same user (through the identifier's
 * keyed hash, verified profile holding that document type), same recipient, accepting every
 * requested document, not revoked, not expired, lasting at least as long as the send asks, and
 * (when the send carries a statement) agreed to with exactly that statement and terms link.
 */
const REUSABLE_SQL = `
  SELECT s.id, s.user_id
    FROM standing_consents s
    JOIN consent_transactions t ON t.id = s.id
    JOIN user_documents d ON d.user_id = s.user_id AND d.identifier_hash = $3 AND d.id_doc_type = $4
    JOIN user_profiles p ON p.id = s.user_id AND p.verified
   WHERE s.sp_id = $1 AND s.recipient = $2 AND s.request_type = $5
     AND s.revoked_at IS NULL AND s.valid_until > now() AND t.status = 'ACCEPTED'
     AND s.document_types @> $6::text[]
     AND ($7::timestamptz IS NULL OR s.valid_until >= $7::timestamptz)
     AND ($8::text IS NULL OR (t.consent_terms->>'statement' = $8 AND t.consent_terms->>'statementAr' = $9
                               AND coalesce(t.consent_terms->>'termsUrl', '') = coalesce($10, '')))
   ORDER BY s.valid_until DESC, s.id
   LIMIT 1`;

/**
 * Standing consent (issue 21): a request accepted with `validUntil` may be relied on again, until
 * then, by the same SP for the same user, recipient and (a subset of the) documents, without
 * asking. The user lists and revokes them; revoking stops reuse at once and the SP hears REVOKED
 * for the granting transaction and every transaction answered from it.
 */
@Injectable()
export class StandingConsentService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UserDirectory,
    private readonly transitions: ConsentTransitions,
    private readonly receipts: ReceiptService,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** /validate: whether a standing consent would answer this send at once. */
  async wouldAnswer(caller: SpProfile, dto: SendConsentDto, candidate: StandingCandidate): Promise<boolean> {
    const rows: unknown[] = await this.db.query(REUSABLE_SQL, this.reusableParams(caller, dto, candidate));
    return rows.length > 0;
  }

  /**
   * Answers a send from a standing consent: its own transaction, TRIGGERED then ACCEPTED through
   * the state machine (so the SP's callback goes through the outbox like any decision), its
   * documents accepted, an event naming the standing consent, and a receipt referencing the
   * original one; no push. Null when no standing consent applies or the spTransactionID is taken
   * (the normal path then asks the user, or answers the repeat as usual).
   */
  async answerFromStanding(caller: SpProfile, dto: SendConsentDto, candidate: StandingCandidate): Promise<SendConsentResponseDto | null> {
    const params = this.reusableParams(caller, dto, candidate);
    // The common case (no standing consent) costs one indexed read, outside any transaction.
    const probe: unknown[] = await this.db.query(REUSABLE_SQL, params);
    if (probe.length === 0) return null;
    const answered = await this.db.transaction(async (m) => {
      // FOR SHARE: a revocation (UPDATE of this row) waits for this reuse to commit and then
      // revokes what it created; a committed revocation makes this lookup find nothing.
      const found: { id: string; user_id: string }[] = await m.query(`${REUSABLE_SQL} FOR SHARE OF s`, params);
      const standing = found[0];
      if (!standing) return null;
      const id = uuidV7();
      const requestor = dto.requestor;
      const rows: { id: string }[] = await m.query(
        `WITH claim AS (
           INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id) VALUES ($2, $3, $1)
           ON CONFLICT DO NOTHING RETURNING transaction_id
         ), tx AS (
           INSERT INTO consent_transactions
             (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, purpose, purpose_ar,
              requestor_name, requestor_name_ar, requestor_id_type, requestor_enc, status, expires_at, consent_terms, standing_consent_id)
           SELECT claim.transaction_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'TRIGGERED', now() + make_interval(secs => $14),
                  -- what the user agreed to is the standing consent's wording, not anything new
                  (SELECT o.consent_terms - 'validUntil' FROM consent_transactions o WHERE o.id = $15), $15
             FROM claim
           RETURNING id
         ), docs AS (
           INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata, must_be_accepted, accepted)
           SELECT tx.id, d.ord - 1, d.doc->>'name', d.doc->>'nameAr', d.doc->>'type', d.doc->>'typeAr', d.doc->'metadata', (d.doc->>'mustBeAccepted')::boolean, true
             FROM tx, jsonb_array_elements($16::jsonb) WITH ORDINALITY AS d(doc, ord)
         ), event AS (
           INSERT INTO consent_events (transaction_id, from_status, to_status, actor) SELECT id, NULL, 'TRIGGERED', $17 FROM tx
         )
         SELECT id FROM tx`,
        [
          id,
          caller.clientId,
          dto.spTransactionID,
          standing.user_id,
          dto.idDocType,
          candidate.requestType,
          candidate.requestType === 'spToSp' ? dto.requestedById : null,
          dto.purpose ?? null,
          dto.purposeAr ?? null,
          requestor?.name ?? null,
          requestor?.nameAr ?? null,
          requestor?.idType ?? null,
          encryptedRequestor(this.keys, candidate.requestType, dto),
          candidate.ttlSeconds,
          standing.id,
          storedDocuments(dto),
          `sp:${caller.clientId}`,
        ],
      );
      if (!rows[0]) return null;
      await this.transitions.transition(id, 'ACCEPTED', `standing:${standing.id}`, {
        manager: m,
        detail: { standingConsent: standing.id, documents: dto.content.documents.map((d) => ({ type: d.type, accept: true })) },
      });
      await this.receipts.issue(m, id);
      return { uaePassTransactionID: id, transactionStatus: 'ACCEPTED' as const, spTransactionID: dto.spTransactionID };
    });
    // ConsentTransitions wakes the outbox relay once the callback's row is committed.
    return answered;
  }

  /** When the user accepts a request that asked to stand, records the standing consent (inside the decision's transaction). */
  async recordOnAccept(manager: EntityManager, transactionId: string): Promise<void> {
    const rows: {
      sp_id: string;
      user_id: string;
      request_type: 'spToSp' | 'peerToPeer';
      requested_by_id: string | null;
      requestor_id_type: string | null;
      requestor_enc: string | null;
      valid_until: string | null;
      types: string[];
    }[] = await manager.query(
      `SELECT t.sp_id, t.user_id, t.request_type, t.requested_by_id, t.requestor_id_type, t.requestor_enc, t.consent_terms->>'validUntil' AS valid_until,
              ARRAY(SELECT d.type FROM consent_documents d WHERE d.transaction_id = t.id AND d.accepted ORDER BY d.position) AS types
         FROM consent_transactions t WHERE t.id = $1`,
      [transactionId],
    );
    const tx = rows[0];
    if (!tx?.valid_until) return;
    const requestor = tx.requestor_enc ? (JSON.parse(this.keys.secretBox.decrypt(tx.requestor_enc)) as { identifier: string | null }) : null;
    const recipient = this.recipientOf(tx.request_type, tx.requested_by_id, tx.requestor_id_type, requestor?.identifier ?? null);
    await manager.query(
      `INSERT INTO standing_consents (id, sp_id, user_id, request_type, recipient, document_types, valid_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [transactionId, tx.sp_id, tx.user_id, tx.request_type, recipient, tx.types, tx.valid_until],
    );
  }

  /** The user's standing consents, newest first: who may rely on them, for which documents, until when. */
  async list(userId: string) {
    const rows: {
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
    }[] = await this.db.query(
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
    return {
      items: rows.map((r) => ({
        id: r.id,
        uaePassTransactionID: r.id,
        spTransactionID: r.sp_transaction_id,
        status: r.status,
        requestType: r.request_type,
        dataOwner: { name: r.owner_name, nameAr: r.owner_name_ar },
        requestingParty: { name: r.party_name, nameAr: r.party_name_ar },
        purpose: r.purpose,
        purposeAr: r.purpose_ar,
        ...(r.consent_terms?.statement ? { consent: withoutValidUntil(r.consent_terms) } : {}),
        documents: r.documents,
        validUntil: new Date(r.valid_until).toISOString(),
        createdAt: new Date(r.created_at).toISOString(),
        revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
        timesRelied: Number(r.uses),
      })),
    };
  }

  /** The user revokes a standing consent: the granting transaction and every one answered from it become REVOKED. */
  async revoke(userId: string, id: string): Promise<{ id: string; status: 'REVOKED'; revokedTransactions: string[] }> {
    const revoked = await this.db.transaction(async (m) => {
      const rows: { revoked_at: Date | null; status: string }[] = isUuid(id)
        ? await m.query(
            `SELECT s.revoked_at, t.status FROM standing_consents s JOIN consent_transactions t ON t.id = s.id
              WHERE s.id = $1 AND s.user_id = $2 FOR UPDATE OF s`,
            [id, userId],
          )
        : [];
      const row = rows[0];
      if (!row) throw new ApiError('CONS_1000026', { id: id.slice(0, 64) });
      if (row.revoked_at || row.status === 'REVOKED') throw new ApiError('CONS_1000027', { id });
      await this.transitions.transition(id, 'REVOKED', `user:${userId}`, { manager: m, detail: { standingConsent: id } });
      return [id, ...(await this.afterRevoke(m, id, userId))];
    });
    return { id, status: 'REVOKED', revokedTransactions: revoked };
  }

  /**
   * Called when a transaction is revoked (either route): if it granted a standing consent, ends
   * it and revokes every still-accepted transaction answered from it. Answers those ids.
   */
  async afterRevoke(manager: EntityManager, transactionId: string, userId: string): Promise<string[]> {
    // Waits for any reuse holding the row FOR SHARE, so what it created is seen and revoked below.
    const ended: unknown[] = await manager.query(`UPDATE standing_consents SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [
      transactionId,
    ]);
    if (ended.length === 0) return [];
    const derived: { id: string }[] = await manager.query(
      `SELECT id FROM consent_transactions WHERE standing_consent_id = $1 AND user_id = $2 AND status = 'ACCEPTED' ORDER BY id`,
      [transactionId, userId],
    );
    const revoked: string[] = [];
    for (const d of derived) {
      const moved = await this.transitions.tryTransition(d.id, 'REVOKED', `user:${userId}`, { manager, detail: { standingConsent: transactionId } });
      if (moved) revoked.push(d.id);
    }
    return revoked;
  }

  /** Who receives the documents: the requesting SP, or the requestor person (by keyed hash, never in clear). */
  private recipientOf(
    requestType: 'spToSp' | 'peerToPeer',
    requestedById: string | null | undefined,
    idType: string | null | undefined,
    identifier: string | null,
  ): string {
    if (requestType === 'spToSp') return `sp:${requestedById}`;
    const normalized = idType && identifier ? normalizeIdentifier(idType as IdDocType, identifier) : null;
    return `person:${this.users.hashOf(`${idType}:${normalized ?? ''}`)}`;
  }

  private reusableParams(caller: SpProfile, dto: SendConsentDto, c: StandingCandidate): unknown[] {
    const recipient =
      c.requestType === 'spToSp'
        ? this.recipientOf('spToSp', dto.requestedById, null, null)
        : this.recipientOf('peerToPeer', null, dto.requestor?.idType, dto.requestor?.identifier ?? null);
    return [
      caller.clientId,
      recipient,
      c.identifierHash,
      dto.idDocType,
      c.requestType,
      dto.content.documents.map((d) => d.type),
      c.terms?.validUntil ?? null,
      c.terms?.statement ?? null,
      c.terms?.statementAr ?? null,
      c.terms?.termsUrl ?? null,
    ];
  }
}

function withoutValidUntil(terms: ConsentTerms): Omit<ConsentTerms, 'validUntil'> {
  const { statement, statementAr, termsUrl } = terms;
  return { statement, statementAr, ...(termsUrl ? { termsUrl } : {}) };
}
