import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { KeyMaterial } from '../common/key-material';
import { RECEIPT_JWT_TYP, TokenService } from '../security/token.service';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import type { ConsentStatus } from './consent-state-machine';
import { receiptTermsClaims, sha256Hex } from './consent-terms';
import { assertCallerIsSp } from './caller-sp';
import { ConsentRepository, TransactionRow } from './consent.repository';
import { ownedTransaction } from './owned-transaction';

/** `receipt_type` claim: lets a verifier tell a receipt from any other token of this issuer. */
export const RECEIPT_TYPE = 'muwafaqa-consent-receipt/v1';
/** Receipts must stay verifiable long after the consent; ten years. */
const RECEIPT_TTL_SECONDS = 10 * 365 * 24 * 3600;

export interface ReceiptAnswer {
  uaePassTransactionID: string;
  spTransactionID: string;
  status: ConsentStatus;
  receipt: string;
  /** Where the keys that verify it are published. */
  jwksUri: string;
}

/**
 * Signed consent receipts: a compact JWS (ES256, the gateway's token key, kid in
 * /.well-known/jwks.json) stating who consented (a pseudonym, never the identifier), to whom
 * (data owner SP and requester), for what purpose, which documents, and when. Anyone holding
 * the JWKS verifies it offline.
 */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly consents: ConsentRepository,
    private readonly tokens: TokenService,
    private readonly sps: SpDirectory,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** Signs and stores the receipt of a just-accepted transaction, inside the decision's transaction. */
  async issue(manager: EntityManager, transactionId: string): Promise<string> {
    const tx = await this.consents.findReceiptFacts(transactionId, manager);
    // Called right after the transaction moved to ACCEPTED, inside the same database transaction.
    if (!tx) throw new Error(`receipt for a missing transaction ${transactionId}`);
    const docs = await this.consents.findDocuments(transactionId, manager);
    const claims = {
      receipt_type: RECEIPT_TYPE,
      // Pairwise pseudonym: the same user looks different to different SPs and reveals no identifier.
      sub: this.pseudonym(tx.sp_id, tx.user_id),
      txn: transactionId,
      sp_transaction_id: tx.sp_transaction_id,
      data_owner: tx.sp_id,
      requester:
        tx.request_type === 'spToSp'
          ? { type: 'spToSp', spId: tx.requested_by_id }
          : { type: 'peerToPeer', name: tx.requestor_name, nameAr: tx.requestor_name_ar },
      purpose: { en: tx.purpose, ar: tx.purpose_ar },
      documents_accepted: docs.filter((d) => d.accepted).map((d) => d.type),
      documents_rejected: docs.filter((d) => !d.accepted).map((d) => d.type),
      consented_at: new Date(tx.decided_at).toISOString(),
      // Issue 21, only when the request used them: the exact wording agreed to, and standing consent.
      ...receiptTermsClaims(tx.consent_terms),
      ...(tx.consent_terms?.validUntil ? { standing_until: tx.consent_terms.validUntil } : {}),
      ...(tx.standing_consent_id
        ? { standing_consent: { txn: tx.standing_consent_id, ...(tx.standing_receipt ? { receipt_sha256: sha256Hex(tx.standing_receipt) } : {}) } }
        : {}),
    };
    const receipt = await this.tokens.sign(claims, tx.sp_id, RECEIPT_TTL_SECONDS, RECEIPT_JWT_TYP);
    await this.consents.storeReceipt(transactionId, receipt, manager);
    return receipt;
  }

  /** The user's own receipt (GET /app/v1/consents/{id}/receipt). */
  async forUser(userId: string, transactionId: string): Promise<ReceiptAnswer> {
    return this.answer(await ownedTransaction(this.consents, userId, transactionId));
  }

  /** The SP's receipt (POST /api/v1/consent/transaction/receipt). */
  async forSp(caller: SpProfile, spId: string, spTransactionId: string): Promise<ReceiptAnswer> {
    await assertCallerIsSp(this.sps, caller, spId);
    const row = await this.consents.findBySpTransaction(caller.clientId, spTransactionId);
    if (!row) throw new ApiError('CONS_1000010', { spTransactionID: spTransactionId });
    return this.answer(row);
  }

  pseudonym(spId: string, userId: string): string {
    return createHmac('sha256', this.keys.identifierHashKey).update(`receipt-subject:${spId}:${userId}`).digest('base64url');
  }

  private answer(row: TransactionRow): ReceiptAnswer {
    if (!row.receipt) throw new ApiError('CONS_1000020', { spTransactionID: row.sp_transaction_id, status: row.status });
    return {
      uaePassTransactionID: row.id,
      spTransactionID: row.sp_transaction_id,
      status: row.status,
      receipt: row.receipt,
      jwksUri: `${this.tokens.issuer}/.well-known/jwks.json`,
    };
  }
}
