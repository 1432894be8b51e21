import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { from, mergeMap, Observable } from 'rxjs';
import { REDIS } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import type { RedisClient } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { identifierProbeKey } from '../security/rate-limiter';
import type { SpRequest } from '../security/sp-signature.guard';

/**
 * Answers that told an SP an identifier has no verified profile (0001, CONS_1000003), per SP:
 * a rising count is enumeration. Kept here and read by /metrics
 * (`muwafaqa_identifier_probe_answers_total`), so consent does not depend on observability.
 *
 * The seed's error table requires those codes, so enumeration is made costly instead: each
 * answer also counts against the SP's budget (IDENTIFIER_PROBE_BUDGET per
 * IDENTIFIER_PROBE_WINDOW_SECONDS, in Redis, shared by every instance); once it is spent,
 * `IdentifierProbeBudget` answers SEC_1000052 (429) to every send and validate of that SP
 * until the window ends, before any lookup, so a probing SP learns nothing more (not even
 * from a 201).
 */
@Injectable()
export class IdentifierProbes {
  private readonly counts = new Map<string, number>();

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts `code` against the SP when it is one of the answers that reveal a profile's absence. */
  record(spId: string, code: string): void {
    if (code !== '0001' && code !== 'CONS_1000003') return;
    this.counts.set(spId, (this.counts.get(spId) ?? 0) + 1);
    const key = identifierProbeKey(this.config, spId);
    // Not awaited: the answer does not wait for the count; Redis away means the budget waits too.
    void this.redis
      .multi()
      .incr(key)
      .expire(key, this.config.identifierProbeWindowSeconds + 60)
      .exec()
      .catch(() => undefined);
  }

  /** Every SP's count since this process started. */
  counted(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** The SP's count in the current window, from Redis (0 while Redis is away: the budget waits for it, sends do not). */
  answersOf(spId: string): Promise<number> {
    return this.redis.get(identifierProbeKey(this.config, spId)).then(Number, () => 0);
  }

  /** SEC_1000052 (429, Retry-After to the end of the window) once `answers`, the SP's count this window, reaches the budget. */
  assertWithinBudget(answers: number): void {
    if (answers < this.config.identifierProbeBudget) return;
    const window = this.config.identifierProbeWindowSeconds;
    const retryAfter = window - (Math.floor(Date.now() / 1000) % window);
    throw new ApiError('SEC_1000052', { retryAfter }).withHeader('Retry-After', String(retryAfter));
  }
}

/**
 * On send and validate: refuses an SP whose probe budget is spent, before the route runs. The count
 * comes with SpSignatureGuard's Redis step; it is read here only when that step fell back to
 * Postgres (Redis away).
 */
@Injectable()
export class IdentifierProbeBudget implements NestInterceptor {
  constructor(private readonly probes: IdentifierProbes) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<SpRequest>();
    if (!req.sp) return next.handle();
    if (req.identifierProbeAnswers !== undefined) {
      this.probes.assertWithinBudget(req.identifierProbeAnswers);
      return next.handle();
    }
    return from(this.probes.answersOf(req.sp.clientId)).pipe(
      mergeMap((answers) => {
        this.probes.assertWithinBudget(answers);
        return next.handle();
      }),
    );
  }
}
