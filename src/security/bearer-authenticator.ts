import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors/api-error';
import { ADMIN_SCOPE, Principal, PrincipalKind, SP_CONSENT_SCOPE, TokenService, USER_SCOPE } from './token.service';

const MAX_TOKEN_LENGTH = 8192;
const SCOPE_OF: Record<PrincipalKind, string> = { sp: SP_CONSENT_SCOPE, admin: ADMIN_SCOPE, user: USER_SCOPE };

/** The access token as UAE PASS sends it (X-UP-AccessToken), or a plain `Authorization: Bearer`. */
export function accessTokenOf(req: FastifyRequest): string | undefined {
  const upToken = req.headers['x-up-accesstoken'];
  if (typeof upToken === 'string' && upToken.length > 0) return upToken;
  return bearerOf(req);
}

/** The token of `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 7235 §2.1). */
export function bearerOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const match = /^bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(auth);
  return match?.[1];
}

/**
 * Who is calling, from the request's tokens, for every token-protected route. With UAE PASS's
 * header pair, the access token comes in X-UP-AccessToken and the id_token in Authorization: both
 * must verify and name the same client. Each refusal names the header at fault. Verified directly
 * against TokenService (its own JWKS and verification cache): Passport added a strategy lookup and
 * per-request wrapping to every request and nothing this check needs.
 */
@Injectable()
export class BearerAuthenticator {
  constructor(private readonly tokens: TokenService) {}

  async principalOf(req: FastifyRequest): Promise<Principal> {
    const upToken = req.headers['x-up-accesstoken'];
    const fromUpHeader = typeof upToken === 'string' && upToken.length > 0;
    const authorization = req.headers.authorization;
    const bearer = bearerOf(req);
    // An Authorization header that is present but unreadable must not be skipped silently:
    // in the header pair it carries the id_token that binds the call to the client.
    if (authorization !== undefined && bearer === undefined) throw new ApiError('SEC_1000042', { header: 'Authorization' });
    const token = fromUpHeader ? upToken : bearer;
    if (!token) throw new ApiError('SEC_1000042', { header: 'Authorization' });
    const header = fromUpHeader ? 'X-UP-AccessToken' : 'Authorization';
    if (token.length > MAX_TOKEN_LENGTH) throw new ApiError('SEC_1000040', { header });
    const principal = await this.tokens.verifyAccessToken(token);
    if (!principal) throw new ApiError('SEC_1000040', { header });
    if (bearer && bearer !== token && principal.issuer === 'self') {
      const sameClient =
        bearer.length <= MAX_TOKEN_LENGTH &&
        ((await this.tokens.verifyIdToken(bearer, principal.subject)) || (await this.tokens.verifyAccessToken(bearer))?.subject === principal.subject);
      if (!sameClient) throw new ApiError('SEC_1000041');
    }
    return principal;
  }
}

/** The route's kind of caller, with that kind's scope: a token of another kind is SEC_1000007, one without the scope SEC_1000002. */
export function assertPrincipalKind(principal: Principal, kind: PrincipalKind): void {
  if (principal.kind !== kind) throw new ApiError('SEC_1000007');
  if (!principal.scopes.includes(SCOPE_OF[kind])) throw new ApiError('SEC_1000002', { scope: SCOPE_OF[kind] });
}
