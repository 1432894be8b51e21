import {
  applyDecorators,
  CallHandler,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { ApiError } from '../common/errors/api-error';
import type { Principal } from '../security/token.service';
import { Lang, langOf } from './ops-i18n';
import { OpsRole, roleAllows } from './ops-roles';
import { OpsSession, OpsSessionStore, sameToken } from './ops-session.store';

const OPS_ROLE = 'muwafaqa:ops-role';

type OpsRequest = FastifyRequest & { opsSession?: OpsSession; user?: Principal };

/**
 * Who may open a console route: a signed-in operator whose role is at least `role`. Every
 * POST must also carry the session's CSRF token in its `_csrf` field.
 */
@Injectable()
export class OpsAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: OpsSessionStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const needed = this.reflector.getAllAndOverride<OpsRole>(OPS_ROLE, [context.getHandler(), context.getClass()]) ?? 'viewer';
    const req = context.switchToHttp().getRequest<OpsRequest>();
    const session = await this.sessions.fromRequest(req);
    if (!session) throw new ApiError('OPS_1000001');
    if (!roleAllows(session.role, needed)) throw new ApiError('OPS_1000002', { role: session.role, needed });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof token !== 'string' || !sameToken(token, session.csrf)) throw new ApiError('OPS_1000003');
    }
    req.opsSession = session;
    // The access log (privacy's @AuditedRead) names the operator as the IdP knows them.
    req.user = { kind: 'admin', subject: `ops:${session.email ?? session.sub}`, scopes: [`ops:${session.role}`], issuer: session.issuer };
    return true;
  }
}

/**
 * Console pages are HTML with personal data: never cached. Empty form fields mean "no filter",
 * so they are dropped before the query DTO is validated.
 */
@Injectable()
export class OpsPageInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const query = http.getRequest<FastifyRequest>().query as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(query ?? {})) if (v === '') delete query![k];
    void http.getResponse<FastifyReply>().headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    return next.handle();
  }
}

/** `@OpsAccess('admin')` on a controller or route. */
export function OpsAccess(role: OpsRole = 'viewer') {
  return applyDecorators(SetMetadata(OPS_ROLE, role), UseGuards(OpsAccessGuard), UseInterceptors(OpsPageInterceptor));
}

/** The page language: the operator's choice (cookie), English by default. */
export const PageLang = createParamDecorator((_: unknown, ctx: ExecutionContext): Lang => langOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/** The signed-in operator's session (set by OpsAccessGuard). */
export const CurrentOps = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<OpsRequest>().opsSession!);
