import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ConsentStatus } from '../consent/consent-state-machine';
import { RetentionPeriods, RetentionRepository } from './retention.repository';

/** The scheduled job that anonymises transactions past their retention period. */
export const RETENTION_QUEUE = 'privacy-retention';
export const RETENTION_SCHEDULER_ID = 'privacy-retention-sweep';

/** What anonymising removes, for the preview and the docs. */
export const ANONYMISED_FIELDS = [
  'purpose',
  'purposeAr',
  'requestor.name',
  'requestor.nameAr',
  'requestor.identifier and additionalInfo (requestor_enc)',
  'receipt',
  'documents[].name and nameAr (replaced by the document type)',
  'documents[].metadata',
  'consent statement, statementAr, termsUrl and validUntil (consent_terms)',
  'standing consents that ended (expired or revoked) longer than the accepted retention period ago',
];

export interface RetentionPreview {
  policy: { retentionDays: number; retentionAcceptedDays: number; sweepIntervalMs: number };
  /** Transactions the next run anonymises, per status. */
  due: Record<string, number>;
  /** Ended standing consents the next run deletes. */
  standingConsentsDue: number;
  total: number;
  removes: string[];
  keeps: string[];
  /** The oldest due transactions (at most `limit`), never with the data that will be removed. */
  next: { uaePassTransactionID: string; spId: string; spTransactionID: string; status: ConsentStatus; lastChangedAt: string; dueSince: string }[];
}

/**
 * Storage limitation: a decided transaction (any status but TRIGGERED) is anonymised once its
 * retention period has passed since its last status change. What identifies or describes the
 * person goes; the status, the timestamps, the SP references and the append-only event log stay,
 * so the SP's status query and the audit trail keep answering. The user link (a random profile
 * id, never an identifier) stays too: the events already name it and the user keeps seeing, and
 * can revoke, what they consented to.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly repo: RetentionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private periods(): RetentionPeriods {
    return { retentionDays: this.config.retentionDays, retentionAcceptedDays: this.config.retentionAcceptedDays };
  }

  async preview(limit = 50): Promise<RetentionPreview> {
    const [counts, next, standingConsentsDue] = await Promise.all([
      this.repo.dueCounts(this.periods()),
      this.repo.oldestDue(this.periods(), limit),
      this.repo.countEndedStandingConsents(this.config.retentionAcceptedDays),
    ]);
    return {
      policy: {
        retentionDays: this.config.retentionDays,
        retentionAcceptedDays: this.config.retentionAcceptedDays,
        sweepIntervalMs: this.config.retentionSweepIntervalMs,
      },
      due: Object.fromEntries(counts.map((c) => [c.status, c.n])),
      total: counts.reduce((n, c) => n + c.n, 0),
      standingConsentsDue,
      removes: ANONYMISED_FIELDS,
      keeps: [
        'status',
        'timestamps',
        'spId',
        'spTransactionID',
        'requestedById',
        'idDocType',
        'documents[].type and accepted',
        'events (the audit trail)',
        'user link',
      ],
      next: next.map((r) => ({
        uaePassTransactionID: r.id,
        spId: r.sp_id,
        spTransactionID: r.sp_transaction_id,
        status: r.status,
        lastChangedAt: new Date(r.updated_at).toISOString(),
        dueSince: new Date(r.due_since).toISOString(),
      })),
    };
  }

  /** Anonymises everything due, a batch per statement; answers how many transactions. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.repo.anonymiseBatch(this.periods(), this.config.privacyBatchSize);
      total += n;
      if (n < this.config.privacyBatchSize) break;
    }
    const ended = await this.repo.deleteEndedStandingConsents(this.config.retentionAcceptedDays);
    if (total > 0) this.logger.log(`retention: anonymised ${total} transaction(s)`);
    if (ended > 0) this.logger.log(`retention: deleted ${ended} ended standing consent(s)`);
    return total;
  }
}
