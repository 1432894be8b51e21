import { Injectable } from '@nestjs/common';

/**
 * Answers that told an SP an identifier has no verified profile (0001, CONS_1000003), per SP:
 * a rising count is enumeration. Kept here and read by /metrics
 * (`muwafaqa_identifier_probe_answers_total`), so consent does not depend on observability.
 */
@Injectable()
export class IdentifierProbes {
  private readonly counts = new Map<string, number>();

  /** Counts `code` against the SP when it is one of the answers that reveal a profile's absence. */
  record(spId: string, code: string): void {
    if (code === '0001' || code === 'CONS_1000003') this.counts.set(spId, (this.counts.get(spId) ?? 0) + 1);
  }

  /** Every SP's count since this process started. */
  counted(): ReadonlyMap<string, number> {
    return this.counts;
  }
}
