import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiHeader, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors/api-error';
import type { SpProfile } from '../service-providers/sp-directory.service';
import passport from 'passport';
import { BEARER_STRATEGY, BearerStrategy, accessTokenOf } from './bearer.strategy';
import { SpSignatureGuard, SpTransportGuard } from './sp-signature.guard';
import { ADMIN_SCOPE, Principal, PrincipalKind, SP_CONSENT_SCOPE, USER_SCOPE } from './token.service';

const REQUIRED = 'muwafaqa:required-principal';
const SCOPE_OF: Record<PrincipalKind, string> = { sp: SP_CONSENT_SCOPE, admin: ADMIN_SCOPE, user: USER_SCOPE };

/** Runs the Passport strategy, then checks the caller's kind and scope declared on the route. */
@Injectable()
export class AccessTokenGuard extends AuthGuard(BEARER_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: BearerStrategy,
  ) {
    super();
  }

  /**
   * Passport keeps strategies in one process-wide registry, so a second gateway in the same
   * process (tests boot several) would answer with the first one's. Registering this gateway's
   * strategy here, synchronously right before Passport looks it up, keeps each on its own.
   */
  override getRequest(context: ExecutionContext) {
    passport.use(BEARER_STRATEGY, this.strategy);
    return context.switchToHttp().getRequest();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const kind = this.reflector.get<PrincipalKind>(REQUIRED, context.getHandler()) ?? this.reflector.get<PrincipalKind>(REQUIRED, context.getClass());
    const principal = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>().user;
    if (kind && principal.kind !== kind) throw new ApiError('SEC_1000007');
    if (kind && !principal.scopes.includes(SCOPE_OF[kind])) throw new ApiError('SEC_1000002', { scope: SCOPE_OF[kind] });
    return true;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw new ApiError('SEC_1000042', { header: 'Authorization' });
    return user;
  }
}

/** UAE PASS answers its bare `401` body when a signed request lacks one of its headers. */
@Injectable()
export class SpHeadersGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const ts = req.headers['x-timestamp'];
    const sig = req.headers['x-uaepass-signature'];
    if (typeof ts !== 'string' || ts === '' || typeof sig !== 'string' || sig === '' || !accessTokenOf(req)) throw new ApiError('401');
    return true;
  }
}

/**
 * Who may call a route, declared on the route: `sp` routes also need a JSON body (if any) covered
 * by a valid request signature (X-Timestamp + X-UAEPASS-Signature), all enforced here for every
 * SP route; `admin` and `user` routes need a token of that kind.
 */
export function Authenticated(kind: PrincipalKind) {
  if (kind === 'sp') {
    return applyDecorators(
      SetMetadata(REQUIRED, kind),
      UseGuards(SpTransportGuard, SpHeadersGuard, AccessTokenGuard, SpSignatureGuard),
      // UAE PASS's pair (X-UP-AccessToken with the id_token as Bearer), or the access token alone as Bearer.
      ApiSecurity({ 'X-UP-AccessToken': [], bearer: [] }),
      ApiBearerAuth(),
      ApiHeader({ name: 'X-Timestamp', required: true, description: 'Unix time in milliseconds' }),
      ApiHeader({ name: 'X-UAEPASS-Signature', required: true, description: 'base64 HMAC-SHA256 of the canonical request string' }),
    );
  }
  return applyDecorators(SetMetadata(REQUIRED, kind), UseGuards(AccessTokenGuard), ApiBearerAuth());
}

/** The verified caller. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ user: Principal }>().user);

/** The calling SP, set by SpSignatureGuard. */
export const CallingSp = createParamDecorator((_: unknown, ctx: ExecutionContext): SpProfile => ctx.switchToHttp().getRequest<{ sp: SpProfile }>().sp);
