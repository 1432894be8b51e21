import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError, fieldError } from '../common/errors/api-error';
import type { ConsentStatus } from './consent-state-machine';
import { ConsentTransitions } from './consent-transitions.service';
import { isUuid, ReceiptService } from './receipt.service';
import { StandingConsentService } from './standing-consent.service';

/** The user's decision, as posted to /app/v1/consents/{id}/decision. */
export interface ConsentDecision {
  accept: boolean;
  documents?: { type: string; accept: boolean }[];
}

export interface DecisionResult {
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
  documents: { type: string; accepted: boolean }[];
  receipt: string | null;
}

/**
 * The user decides (PingOne's `{ accept }`, with enmeshed's per-item decisions). Rejecting a
 * document the SP marked mustBeAccepted rejects the whole request; accepting with some optional
 * documents rejected is ACCEPTED with those documents flagged. The status move, the per-document
 * flags and the receipt commit in one database transaction, or nothing does.
 */
@Injectable()
export class DecisionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transitions: ConsentTransitions,
    private readonly receipts: ReceiptService,
    private readonly standing: StandingConsentService,
  ) {}

  async decide(userId: string, transactionId: string, decision: ConsentDecision): Promise<DecisionResult> {
    const result = await this.db.transaction(async (manager) => {
      const tx = await this.ownedTransaction(manager, userId, transactionId);
      const docs: { position: number; type: string; must_be_accepted: boolean }[] = await manager.query(
        `SELECT position, type, must_be_accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
        [transactionId],
      );
      const choices = this.perDocumentChoices(decision, docs);
      const mandatoryRejected = docs.filter((d) => d.must_be_accepted && !choices.get(d.type)).map((d) => d.type);
      const anyAccepted = docs.some((d) => choices.get(d.type));
      const to: ConsentStatus = decision.accept && mandatoryRejected.length === 0 && anyAccepted ? 'ACCEPTED' : 'REJECTED';
      // A rejected request shares nothing, so no document is recorded as accepted.
      const accepted = docs.map((d) => ({ position: d.position, type: d.type, accepted: to === 'ACCEPTED' && choices.get(d.type) === true }));

      await this.transitions.transition(transactionId, to, `user:${userId}`, {
        manager,
        detail: {
          accept: decision.accept,
          documents: docs.map((d) => ({ type: d.type, accept: choices.get(d.type) })),
          ...(mandatoryRejected.length ? { mandatoryRejected } : {}),
        },
      });
      await manager.query(
        `UPDATE consent_documents d SET accepted = x.accepted
           FROM jsonb_to_recordset($2::jsonb) AS x(position int, accepted boolean)
          WHERE d.transaction_id = $1 AND d.position = x.position`,
        [transactionId, JSON.stringify(accepted)],
      );
      if (to === 'ACCEPTED') await this.standing.recordOnAccept(manager, transactionId);
      const receipt = to === 'ACCEPTED' ? await this.receipts.issue(manager, transactionId) : null;
      return {
        uaePassTransactionID: transactionId,
        spTransactionID: tx.sp_transaction_id,
        status: to,
        documents: accepted.map(({ type, accepted: a }) => ({ type, accepted: a })),
        receipt,
      };
    });
    return result;
  }

  /** ACCEPTED → REVOKED; the SP hears REVOKED through its callback. */
  async revoke(userId: string, transactionId: string): Promise<{ uaePassTransactionID: string; spTransactionID: string; status: ConsentStatus }> {
    const result = await this.db.transaction(async (manager) => {
      const tx = await this.ownedTransaction(manager, userId, transactionId);
      await this.transitions.transition(transactionId, 'REVOKED', `user:${userId}`, { manager });
      // Revoking a standing consent's own transaction ends it, and what was answered from it.
      await this.standing.afterRevoke(manager, transactionId, userId);
      return { uaePassTransactionID: transactionId, spTransactionID: tx.sp_transaction_id, status: 'REVOKED' as const };
    });
    return result;
  }

  /** Another user's transaction answers exactly like a missing one (no existence leak). */
  private async ownedTransaction(manager: DataSource['manager'], userId: string, transactionId: string): Promise<{ sp_transaction_id: string }> {
    const rows: { sp_transaction_id: string }[] = isUuid(transactionId)
      ? await manager.query(`SELECT sp_transaction_id FROM consent_transactions WHERE id = $1 AND user_id = $2`, [transactionId, userId])
      : [];
    if (!rows[0]) throw new ApiError('CONS_1000019', { uaePassTransactionID: transactionId.slice(0, 64) });
    return rows[0];
  }

  /**
   * Each document's choice: the per-document entry when given, else the request-level `accept`.
   * Naming a document the request does not contain, or one twice, is refused.
   */
  private perDocumentChoices(decision: ConsentDecision, docs: { type: string }[]): Map<string, boolean> {
    const known = new Set(docs.map((d) => d.type));
    const given = new Map<string, boolean>();
    (decision.documents ?? []).forEach((d, i) => {
      if (!known.has(d.type)) throw new ApiError('CONS_1000018', { type: d.type.slice(0, 64) });
      if (given.has(d.type)) throw fieldError(`documents[${i}].type`, 'duplicate');
      given.set(d.type, d.accept);
    });
    return new Map(docs.map((d) => [d.type, decision.accept && (given.get(d.type) ?? true)]));
  }
}
