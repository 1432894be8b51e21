import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiHeader, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { SpProfile } from '../service-providers/sp-directory.service';
import { assertPrincipalKind, BearerAuthenticator } from './bearer-authenticator';
import { SpSignatureGuard } from './sp-signature.guard';
import type { Principal, PrincipalKind } from './token.service';

const REQUIRED = 'muwafaqa:required-principal';

/** Admin and user routes: verifies the caller's token, then checks the caller's kind and scope declared on the route. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const principal = await this.bearer.principalOf(req);
    req.user = principal;
    const kind = this.reflector.get<PrincipalKind>(REQUIRED, context.getHandler()) ?? this.reflector.get<PrincipalKind>(REQUIRED, context.getClass());
    if (kind) assertPrincipalKind(principal, kind);
    return true;
  }
}

/**
 * Who may call a route, declared on the route: `sp` routes also need a JSON body (if any) covered
 * by a valid request signature (X-Timestamp + X-UAEPASS-Signature), all enforced by the one
 * SpSignatureGuard; `admin` and `user` routes need a token of that kind (AccessTokenGuard).
 */
export function Authenticated(kind: PrincipalKind) {
  if (kind === 'sp') {
    return applyDecorators(
      SetMetadata(REQUIRED, kind),
      UseGuards(SpSignatureGuard),
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
