import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { REDIS, redisKey } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { isDependencyDown } from '../common/errors/api-exception.filter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../observability/metrics.service';
import type { SpProfile } from '../service-providers/sp-directory.service';

/** The seed's answers that tell an SP an identifier has no (verified) profile: kept, but budgeted. */
const PROBE_ANSWERS = new Set(['0001', 'CONS_1000003']);

/**
 * Identifier enumeration made costly and visible. Send and validate must answer `0001` and
 * `CONS_1000003` (the seed's error table), which tells whether an identifier has a verified
 * profile. Each such answer counts against the SP's budget (IDENTIFIER_PROBE_BUDGET per
 * IDENTIFIER_PROBE_WINDOW_SECONDS, in Redis, shared by all instances) and
 * `muwafaqa_identifier_probe_answers_total{sp_id}`; once the budget is spent, every send and
 * validate of that SP answers SEC_1000052 (429) until the window ends, before any lookup, so a
 * probing SP learns nothing more (not even from a 201).
 */
@Injectable()
export class IdentifierProbeBudget implements NestInterceptor {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const sp = context.switchToHttp().getRequest<FastifyRequest & { sp?: SpProfile }>().sp;
    if (!sp) return next.handle();
    const windowSeconds = this.config.identifierProbeWindowSeconds;
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = redisKey(this.config, `{sp:${sp.clientId}}`, 'probes', String(window));
    return from(this.spent(key)).pipe(
      mergeMap((spent) => {
        if (spent) {
          const retryAfter = windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds);
          throw new ApiError('SEC_1000052', { retryAfter }).withHeader('Retry-After', String(retryAfter));
        }
        return next.handle();
      }),
      catchError((err: unknown) => {
        if (err instanceof ApiError && PROBE_ANSWERS.has(err.code)) {
          this.metrics.identifierProbeAnswers.inc({ sp_id: sp.clientId });
          return from(this.count(key, windowSeconds)).pipe(mergeMap(() => throwError(() => err)));
        }
        return throwError(() => err);
      }),
    );
  }

  private async spent(key: string): Promise<boolean> {
    try {
      return Number(await this.redis.get(key)) >= this.config.identifierProbeBudget;
    } catch (err) {
      if (isDependencyDown(err)) return false; // the budget waits for Redis; sends do not
      throw err;
    }
  }

  private async count(key: string, windowSeconds: number): Promise<void> {
    await this.redis
      .multi()
      .incr(key)
      .expire(key, windowSeconds + 60)
      .exec()
      .catch(() => undefined);
  }
}
