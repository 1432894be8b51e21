import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { REDIS, redisKey } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { verifyRequestSignature } from './request-signature';
import type { Principal } from './token.service';

/**
 * Checks an SP request's X-Timestamp and X-UAEPASS-Signature under the SP's signing secrets,
 * then, in one Redis round trip, records the signature (a replay inside the window is refused,
 * across every instance) and counts the request against the SP's rate limit.
 */
@Injectable()
export class SpSignatureGuard implements CanActivate {
  constructor(
    private readonly directory: SpDirectory,
    @Inject(REDIS) private readonly redis: Redis,
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
    if (Math.abs(Date.now() - Number(timestamp)) > windowMs) {
      throw new ApiError('SEC_1000003', { windowSeconds: this.config.signatureWindowSeconds });
    }
    if (sp.signingSecrets.length === 0) throw new ApiError('CONS_1000004');
    const signature = req.headers['x-uaepass-signature'] as string;
    if (!verifyRequestSignature(sp.signingSecrets, signature, timestamp, req.method, req.url, req.rawBody)) {
      throw new ApiError('CONS_1000005');
    }

    // Both keys carry the SP's hash tag, so the MULTI stays in one Redis Cluster slot.
    const tag = `{sp:${sp.clientId}}`;
    const minute = Math.floor(Date.now() / 60_000);
    const rateKey = redisKey(this.config, tag, 'rate', String(minute));
    const [[, firstSeen], [, count]] = (await this.redis
      .multi()
      // A timestamp is accepted up to one window either side of now, so remember for two.
      .set(redisKey(this.config, tag, 'replay', signature), '1', 'PX', 2 * windowMs, 'NX')
      .incr(rateKey)
      .pexpire(rateKey, 61_000)
      .exec()) as [[null, string | null], [null, number], [null, number]];
    if (firstSeen !== 'OK') throw new ApiError('SEC_1000004');
    if (count > this.config.rateLimitPerMinute) {
      const retryAfter = 60 - Math.floor((Date.now() / 1000) % 60);
      throw new ApiError('SEC_1000005', { retryAfter }).withHeader('Retry-After', String(retryAfter));
    }
    req.sp = sp;
    return true;
  }
}
