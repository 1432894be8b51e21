import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { isDependencyDown } from '../common/errors/api-exception.filter';
import { verifyRequestSignature } from './request-signature';
import type { Principal } from './token.service';

/** True when `timestamp` (ms) is at most `windowMs` away from `now`, either side; the edge itself is inside. */
export function isWithinWindow(timestamp: number, now: number, windowMs: number): boolean {
  return Math.abs(now - timestamp) <= windowMs;
}

/**
 * Checks an SP request's X-Timestamp and X-UAEPASS-Signature under the SP's signing secrets,
 * then, in one atomic Redis step, counts the request against the SP's rate limit and records
 * the signature (a replay inside the window is refused, across every instance).
 */
@Injectable()
export class SpSignatureGuard implements CanActivate {
  constructor(
    private readonly directory: SpDirectory,
    private readonly limiter: RateLimiter,
    private readonly replays: ReplayFallback,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user: Principal; sp?: SpProfile; rawBody?: Buffer }>();
    const sp = await this.directory.get(req.user.subject);
    if (!sp) throw new ApiError('SEC_1000001');
    if (sp.disabled) throw new ApiError('CONS_1000016', { spId: sp.clientId });

    const timestamp = req.headers['x-timestamp'] as string;
    if (!/^\d{1,16}$/.test(timestamp)) throw new ApiError('SEC_1000006');
    const windowMs = this.config.signatureWindowSeconds * 1000;
    if (!isWithinWindow(Number(timestamp), Date.now(), windowMs)) {
      // The usual integration slip: Unix time in seconds. Say so rather than only "outside the window".
      if (isWithinWindow(Number(timestamp) * 1000, Date.now(), windowMs)) throw new ApiError('SEC_1000043', { timestamp });
      throw new ApiError('SEC_1000003', { windowSeconds: this.config.signatureWindowSeconds });
    }
    if (sp.signingSecrets.length === 0) throw new ApiError('CONS_1000004');
    const signature = req.headers['x-uaepass-signature'] as string;
    if (!verifyRequestSignature(sp.signingSecrets, signature, timestamp, req.method, req.url, req.rawBody)) {
      throw new ApiError('CONS_1000005');
    }
    // A timestamp is accepted up to one window either side of now, so the signature is remembered
    // for two; by its digest, so Redis holds no signature value.
    const seen = createHash('sha256').update(signature).digest('base64url');
    const caller = `sp:${sp.clientId}`;
    try {
      await this.limiter.consume(caller, this.config.rateLimitPerMinute, { key: `replay:${seen}`, ttlMs: 2 * windowMs });
    } catch (err) {
      if (!isDependencyDown(err)) throw err;
      // Redis is away: replay protection moves to Postgres; the rate limit waits for Redis.
      await this.replays.recordOnce(caller, seen, 2 * windowMs);
      req.sp = sp;
      return true;
    }
    // After an outage, a request accepted through Postgres must not be replayable through Redis.
    if (await this.replays.isActive()) await this.replays.recordOnce(caller, seen, 2 * windowMs);
    req.sp = sp;
    return true;
  }
}
