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
import { ReceiptService } from './receipt.service';
import { encryptedRequestor, storedDocuments } from './stored-request';
import { uuidV7 } from '../database/uuid-v7';
import { ConsentRepository } from './consent.repository';
import { ReusableQuery, StandingConsentRepository } from './standing-consent.repository';

/** What the send path has already worked out about a request. */
export interface StandingCandidate {
  identifierHash: string;
  requestType: 'spToSp' | 'peerToPeer';
  ttlSeconds: number;
  terms: ConsentTerms | null;
}

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
    private readonly standingConsents: StandingConsentRepository,
    private readonly consents: ConsentRepository,
    private readonly users: UserDirectory,
    private readonly transitions: ConsentTransitions,
    private readonly receipts: ReceiptService,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** /validate: whether a standing consent would answer this send at once. */
  async wouldAnswer(caller: SpProfile, dto: SendConsentDto, candidate: StandingCandidate): Promise<boolean> {
    return (await this.standingConsents.findReusable(this.reusableQuery(caller, dto, candidate))) !== null;
  }

  /**
   * Answers a send from a standing consent: its own transaction, TRIGGERED then ACCEPTED through
   * the state machine (so the SP's callback goes through the outbox like any decision), its
   * documents accepted, an event naming the standing consent, and a receipt referencing the
   * original one; no push. Null when no standing consent applies or the spTransactionID is taken
   * (the normal path then asks the user, or answers the repeat as usual). Called when the send
   * statement found a candidate (SendRow.standingRecipient), so it goes straight to the lookup.
   */
  async answerFromStanding(caller: SpProfile, dto: SendConsentDto, candidate: StandingCandidate): Promise<SendConsentResponseDto | null> {
    const query = this.reusableQuery(caller, dto, candidate);
    const answered = await this.db.transaction(async (m) => {
      // FOR SHARE: a revocation (UPDATE of this row) waits for this reuse to commit and then
      // revokes what it created; a committed revocation makes this lookup find nothing.
      const standing = await this.standingConsents.findReusableForShare(query, m);
      if (!standing) return null;
      const id = uuidV7();
      const requestor = dto.requestor;
      const claimed = await this.consents.insertAnsweredFromStanding(
        {
          id,
          spId: caller.clientId,
          spTransactionId: dto.spTransactionID,
          userId: standing.user_id,
          idDocType: dto.idDocType,
          requestType: candidate.requestType,
          requestedById: candidate.requestType === 'spToSp' ? (dto.requestedById ?? null) : null,
          purpose: dto.purpose ?? null,
          purposeAr: dto.purposeAr ?? null,
          requestorName: requestor?.name ?? null,
          requestorNameAr: requestor?.nameAr ?? null,
          requestorIdType: requestor?.idType ?? null,
          requestorEnc: encryptedRequestor(this.keys, candidate.requestType, dto),
          ttlSeconds: candidate.ttlSeconds,
          standingConsentId: standing.id,
          documents: storedDocuments(dto),
          actor: `sp:${caller.clientId}`,
        },
        m,
      );
      if (!claimed) return null;
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
    const tx = await this.consents.findStandingGrantFacts(transactionId, manager);
    if (!tx?.valid_until) return;
    const requestor = tx.requestor_enc ? (JSON.parse(this.keys.secretBox.decrypt(tx.requestor_enc)) as { identifier: string | null }) : null;
    const recipient = this.recipientFrom(tx.request_type, tx.requested_by_id, tx.requestor_id_type, requestor?.identifier ?? null);
    await this.standingConsents.insert(
      { id: transactionId, spId: tx.sp_id, userId: tx.user_id, requestType: tx.request_type, recipient, documentTypes: tx.types, validUntil: tx.valid_until },
      manager,
    );
  }

  /** The user's standing consents, newest first: who may rely on them, for which documents, until when. */
  async list(userId: string) {
    const rows = await this.standingConsents.listForUser(userId);
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
      const row = await this.standingConsents.findOwnedForUpdate(userId, id, m);
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
    if (!(await this.standingConsents.end(transactionId, manager))) return [];
    const derived = await this.consents.findAcceptedAnsweredFrom(transactionId, userId, manager);
    const revoked: string[] = [];
    for (const id of derived) {
      const moved = await this.transitions.tryTransition(id, 'REVOKED', `user:${userId}`, { manager, detail: { standingConsent: transactionId } });
      if (moved) revoked.push(id);
    }
    return revoked;
  }

  /** Who receives the documents: the requesting SP, or the requestor person (by keyed hash, never in clear). */
  recipientOf(dto: SendConsentDto, requestType: 'spToSp' | 'peerToPeer'): string {
    if (requestType === 'spToSp') return this.recipientFrom('spToSp', dto.requestedById, null, null);
    return this.recipientFrom('peerToPeer', null, dto.requestor?.idType, dto.requestor?.identifier ?? null);
  }

  private recipientFrom(
    requestType: 'spToSp' | 'peerToPeer',
    requestedById: string | null | undefined,
    idType: string | null | undefined,
    identifier: string | null,
  ): string {
    if (requestType === 'spToSp') return `sp:${requestedById}`;
    const normalized = idType && identifier ? normalizeIdentifier(idType as IdDocType, identifier) : null;
    return `person:${this.users.hashOf(`${idType}:${normalized ?? ''}`)}`;
  }

  private reusableQuery(caller: SpProfile, dto: SendConsentDto, c: StandingCandidate): ReusableQuery {
    return {
      spId: caller.clientId,
      recipient: this.recipientOf(dto, c.requestType),
      identifierHash: c.identifierHash,
      idDocType: dto.idDocType,
      requestType: c.requestType,
      documentTypes: dto.content.documents.map((d) => d.type),
      validUntil: c.terms?.validUntil ?? null,
      statement: c.terms?.statement ?? null,
      statementAr: c.terms?.statementAr ?? null,
      termsUrl: c.terms?.termsUrl ?? null,
    };
  }
}

function withoutValidUntil(terms: ConsentTerms): Omit<ConsentTerms, 'validUntil'> {
  const { statement, statementAr, termsUrl } = terms;
  return { statement, statementAr, ...(termsUrl ? { termsUrl } : {}) };
}
