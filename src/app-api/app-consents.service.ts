import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { fieldError } from '../common/errors/api-error';
import { isUuid } from '../common/uuid';
import { ConsentRepository } from '../consent/consent.repository';
import { ownedTransaction, transactionNotFound } from '../consent/owned-transaction';
import type { ListConsentsQueryDto } from './dto/app-consent.dto';
import { AppConsentListKey, AppConsentRow, AppConsentsRepository } from './app-consents.repository';

/** Keyset cursor (pending first, then newest first): rank, creation time in microseconds, id. */
interface Cursor {
  r: number;
  c: string;
  i: string;
}

/** The user's view of their own consent requests: list, one in both languages, history. */
@Injectable()
export class AppConsentsService {
  constructor(
    private readonly appConsents: AppConsentsRepository,
    private readonly consents: ConsentRepository,
  ) {}

  async list(userId: string, query: ListConsentsQueryDto) {
    const limit = query.limit ?? 20;
    // CANCELLED requests were withdrawn by the SP: the app stops showing them unless asked.
    const filter = query.status ? { only: query.status } : { except: 'CANCELLED' as const };
    const after = query.cursor ? this.decodeCursor(query.cursor) : null;
    const rows = await this.appConsents.listForUser(userId, filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.summary(r)),
      nextCursor: rows.length > limit && last ? this.encodeCursor({ pendingRank: last.pending_rank, createdUs: String(last.created_us), id: last.id }) : null,
    };
  }

  async get(userId: string, transactionId: string) {
    await ownedTransaction(this.consents, userId, transactionId);
    const [row, docs] = await Promise.all([this.appConsents.find(transactionId), this.consents.findDocuments(transactionId)]);
    // A request erased between the two reads answers like a missing one.
    if (!row) throw transactionNotFound(transactionId);
    return {
      ...this.summary(row),
      documents: docs.map((d) => ({
        name: d.name,
        nameAr: d.name_ar,
        type: d.type,
        typeAr: d.type_ar,
        metadata: d.metadata,
        mustBeAccepted: d.must_be_accepted,
        accepted: d.accepted,
      })),
      hasReceipt: row.has_receipt,
      ...termsView(row),
    };
  }

  async history(userId: string, transactionId: string) {
    await ownedTransaction(this.consents, userId, transactionId);
    const events = await this.consents.findEvents(transactionId);
    return {
      uaePassTransactionID: transactionId,
      items: events.map((e) => ({ from: e.from_status, to: e.to_status, actor: e.actor.split(':')[0], at: e.at })),
    };
  }

  private summary(r: AppConsentRow) {
    return {
      uaePassTransactionID: r.id,
      spTransactionID: r.sp_transaction_id,
      status: r.status,
      requestType: r.request_type,
      dataOwner: { name: r.owner_name, nameAr: r.owner_name_ar },
      requestingParty: { name: r.party_name, nameAr: r.party_name_ar },
      purpose: r.purpose,
      purposeAr: r.purpose_ar,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      decidedAt: r.decided_at,
    };
  }

  /** The cursor's wire form ({r, c, i}) is kept short: it travels in query strings. */
  private encodeCursor(key: AppConsentListKey): string {
    return encodeCursor({ r: key.pendingRank, c: key.createdUs, i: key.id } satisfies Cursor);
  }

  private decodeCursor(raw: string): AppConsentListKey {
    const c = decodeCursor(raw) as Partial<Cursor> | null | undefined;
    if (c && (c.r === 0 || c.r === 1) && typeof c.c === 'string' && /^\d{1,20}$/.test(c.c) && typeof c.i === 'string' && isUuid(c.i)) {
      return { pendingRank: c.r, createdUs: c.c, id: c.i };
    }
    throw fieldError('cursor', 'format');
  }
}

/**
 * Issue 21, only for requests that use them: the statement and terms link to show before the
 * decision, the date a standing consent would last until, and the standing consent a request was
 * answered from.
 */
function termsView(r: AppConsentRow) {
  const t = r.consent_terms;
  return {
    ...(t?.statement ? { consent: { statement: t.statement, statementAr: t.statementAr, ...(t.termsUrl ? { termsUrl: t.termsUrl } : {}) } } : {}),
    ...(t?.validUntil ? { validUntil: t.validUntil } : {}),
    ...(r.standing_consent_id ? { standingConsentId: r.standing_consent_id } : {}),
  };
}
