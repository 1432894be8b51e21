import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import type { ConsentStatus } from './consent-state-machine';
import { ConsentTransitions } from './consent-transitions.service';
import { ConsentDecision, decideDocuments } from './document-decisions';
import { isUuid, ReceiptService } from './receipt.service';
import { StandingConsentService } from './standing-consent.service';

export interface DecisionResult {
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
  documents: { type: string; accepted: boolean }[];
  receipt: string | null;
}

/**
 * The user decides (the rule: decideDocuments). The status move, the per-document flags and the
 * receipt commit in one database transaction, or nothing does.
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
      const { to, choices, accepted, mandatoryRejected } = decideDocuments(decision, docs);

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
}
