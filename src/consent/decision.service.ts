import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConsentStatus } from './consent-state-machine';
import { ConsentTransitions } from './consent-transitions.service';
import { ConsentRepository } from './consent.repository';
import { ConsentDecision, decideDocuments } from './document-decisions';
import { ownedTransaction } from './owned-transaction';
import { ReceiptService } from './receipt.service';
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
    private readonly consents: ConsentRepository,
    private readonly transitions: ConsentTransitions,
    private readonly receipts: ReceiptService,
    private readonly standing: StandingConsentService,
  ) {}

  async decide(userId: string, transactionId: string, decision: ConsentDecision): Promise<DecisionResult> {
    const result = await this.db.transaction(async (manager) => {
      const tx = await ownedTransaction(this.consents, userId, transactionId, manager);
      const docs = await this.consents.findDocuments(transactionId, manager);
      const { to, choices, accepted, mandatoryRejected } = decideDocuments(decision, docs);

      await this.transitions.transition(transactionId, to, `user:${userId}`, {
        manager,
        detail: {
          accept: decision.accept,
          documents: docs.map((d) => ({ type: d.type, accept: choices.get(d.type) })),
          ...(mandatoryRejected.length ? { mandatoryRejected } : {}),
        },
      });
      await this.consents.recordDocumentChoices(transactionId, accepted, manager);
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
      const tx = await ownedTransaction(this.consents, userId, transactionId, manager);
      await this.transitions.transition(transactionId, 'REVOKED', `user:${userId}`, { manager });
      // Revoking a standing consent's own transaction ends it, and what was answered from it.
      await this.standing.afterRevoke(manager, transactionId, userId);
      return { uaePassTransactionID: transactionId, spTransactionID: tx.sp_transaction_id, status: 'REVOKED' as const };
    });
    return result;
  }
}
