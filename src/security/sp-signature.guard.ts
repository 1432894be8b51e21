import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { SpDirectory, SpProfile } from '../service-providers/sp-directory.service';
import { identifierProbeKey, RateLimiter } from './rate-limiter';
import { ReplayFallback } from './replay-fallback.service';
import { isDependencyDown } from '../common/errors/dependency-down';
import { verifyRequestSignature } from './request-signature';
import { accessTokenOf, assertPrincipalKind, BearerAuthenticator } from './bearer-authenticator';
import type { Principal } from './token.service';

/** True when `timestamp` (ms) is at most `windowMs` away from `now`, either side; the edge itself is inside. */
export function isWithinWindow(timestamp: number, now: number, windowMs: number): boolean {
  return Math.abs(now - timestamp) <= windowMs;
}

type SignedRequest = FastifyRequest & { rawBody?: Buffer };

/**
 * The transport rule of every signed SP route: a request that carries a body must carry it as
 * JSON, whose raw bytes the signature covers. Fastify also parses forms (for the token endpoint)
 * and text, which leave no raw body: such a body would be verified over "" and reach the route
 * unsigned. Refused with the media-type code, before the headers or the signature are looked at.
 */
export function assertSignedBodyCovered(req: SignedRequest): void {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const length = Number(req.headers['content-length'] ?? 0);
  const carriesBody = req.body !== undefined || length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!carriesBody && req.rawBody === undefined) return;
  if (contentType !== 'application/json' || req.rawBody === undefined) throw new ApiError('REQ_1000003', { expected: 'application/json' });
}

/** UAE PASS answers its bare `401` body when a signed request lacks one of its headers. */
export function assertSignedHeadersPresent(req: FastifyRequest): void {
  const ts = req.headers['x-timestamp'];
  const sig = req.headers['x-uaepass-signature'];
  if (typeof ts !== 'string' || ts === '' || typeof sig !== 'string' || sig === '' || !accessTokenOf(req)) throw new ApiError('401');
}

/** An SP request once SpSignatureGuard has passed it. */
export type SpRequest = FastifyRequest & {
  user: Principal;
  sp?: SpProfile;
  rawBody?: Buffer;
  /**
   * The SP's identifier-probe answers in the current window, read in the guard's Redis step
   * (IdentifierProbeBudget decides on it); absent when Redis was away.
   */
  identifierProbeAnswers?: number;
};

/**
 * The one guard of every `@Authenticated('sp')` route. Its checks, in this order, each with its
 * own code: the transport (a body is JSON the signature covers), the signed request's headers
 * (bare 401), the access token (an SP's, with the consent scope), the SP, then X-Timestamp and
 * X-UAEPASS-Signature under the SP's signing secrets. Then, in one atomic Redis step, it counts
 * the request against the SP's rate limit, records the signature (a replay inside the window is
 * refused, across every instance) and reads the SP's identifier-probe count, so the route's
 * probe budget costs no round trip of its own. One guard rather than four: each Nest guard and
 * Passport's strategy lookup cost every request a little, and the transport check ran twice.
 */
@Injectable()
export class SpSignatureGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthenticator,
    private readonly directory: SpDirectory,
    private readonly limiter: RateLimiter,
    private readonly replays: ReplayFallback,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<SpRequest>();
    assertSignedBodyCovered(req);
    assertSignedHeadersPresent(req);
    req.user = await this.bearer.principalOf(req);
    assertPrincipalKind(req.user, 'sp');
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
      const once = { key: `replay:${seen}`, ttlMs: 2 * windowMs };
      req.identifierProbeAnswers = await this.limiter.consume(caller, this.config.rateLimitPerMinute, once, identifierProbeKey(this.config, sp.clientId));
    } catch (err) {
      if (!isDependencyDown(err)) throw err;
      // Redis is away: replay protection moves to Postgres; the rate limit waits for Redis. What
      // Redis may have accepted before (older than the outage) cannot be checked: refused.
      this.replays.assertFreshDuringOutage(Number(timestamp));
      await this.replays.recordOnce(caller, seen, 2 * windowMs);
      req.sp = sp;
      return true;
    }
    // After an outage, a request accepted through Postgres must not be replayable through Redis;
    // a future-dated one must stay refusable during a coming outage.
    if (this.replays.mustAlsoRecord(Number(timestamp))) await this.replays.recordOnce(caller, seen, 2 * windowMs, true);
    else if (await this.replays.isActive()) await this.replays.recordOnce(caller, seen, 2 * windowMs);
    req.sp = sp;
    return true;
  }
}
