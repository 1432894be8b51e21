import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { KeyMaterial } from '../common/key-material';
import { RECEIPT_JWT_TYP, TokenService } from '../security/token.service';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import type { ConsentStatus } from './consent-state-machine';
import { ConsentTerms, receiptTermsClaims, sha256Hex } from './consent-terms';
import { assertCallerIsSp } from './caller-sp';

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
    @InjectDataSource() private readonly db: DataSource,
    private readonly tokens: TokenService,
    private readonly sps: SpDirectory,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
  ) {}

  /** Signs and stores the receipt of a just-accepted transaction, inside the decision's transaction. */
  async issue(manager: EntityManager, transactionId: string): Promise<string> {
    const rows: {
      sp_id: string;
      sp_transaction_id: string;
      user_id: string;
      request_type: 'spToSp' | 'peerToPeer';
      requested_by_id: string | null;
      requestor_name: string | null;
      requestor_name_ar: string | null;
      purpose: string | null;
      purpose_ar: string | null;
      decided_at: Date;
      consent_terms: ConsentTerms | null;
      standing_consent_id: string | null;
      standing_receipt: string | null;
    }[] = await manager.query(
      `SELECT t.sp_id, t.sp_transaction_id, t.user_id, t.request_type, t.requested_by_id, t.requestor_name, t.requestor_name_ar,
              t.purpose, t.purpose_ar, t.decided_at, t.consent_terms, t.standing_consent_id,
              (SELECT o.receipt FROM consent_transactions o WHERE o.id = t.standing_consent_id) AS standing_receipt
         FROM consent_transactions t WHERE t.id = $1`,
      [transactionId],
    );
    const tx = rows[0];
    const docs: { type: string; name: string; accepted: boolean }[] = await manager.query(
      `SELECT type, name, accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
      [transactionId],
    );
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
    await manager.query(`UPDATE consent_transactions SET receipt = $2 WHERE id = $1`, [transactionId, receipt]);
    return receipt;
  }

  /** The user's own receipt (GET /app/v1/consents/{id}/receipt). */
  async forUser(userId: string, transactionId: string): Promise<ReceiptAnswer> {
    const rows = isUuid(transactionId)
      ? await this.db.query(`SELECT id, sp_transaction_id, status, receipt FROM consent_transactions WHERE id = $1 AND user_id = $2`, [transactionId, userId])
      : [];
    if (!rows[0]) throw new ApiError('CONS_1000019', { uaePassTransactionID: transactionId.slice(0, 64) });
    return this.answer(rows[0]);
  }

  /** The SP's receipt (POST /api/v1/consent/transaction/receipt). */
  async forSp(caller: SpProfile, spId: string, spTransactionId: string): Promise<ReceiptAnswer> {
    await assertCallerIsSp(this.sps, caller, spId);
    const rows = await this.db.query(`SELECT id, sp_transaction_id, status, receipt FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = $2`, [
      caller.clientId,
      spTransactionId,
    ]);
    if (!rows[0]) throw new ApiError('CONS_1000010', { spTransactionID: spTransactionId });
    return this.answer(rows[0]);
  }

  pseudonym(spId: string, userId: string): string {
    return createHmac('sha256', this.keys.identifierHashKey).update(`receipt-subject:${spId}:${userId}`).digest('base64url');
  }

  private answer(row: { id: string; sp_transaction_id: string; status: ConsentStatus; receipt: string | null }): ReceiptAnswer {
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

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
