import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ApiError } from '../common/errors/api-error';
import { Principal, TokenService } from './token.service';

export const BEARER_STRATEGY = 'muwafaqa-bearer';
const MAX_TOKEN_LENGTH = 8192;

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
 * Passport strategy for every token-protected route. With UAE PASS's header pair, the access
 * token comes in X-UP-AccessToken and the id_token in Authorization: both must verify and name
 * the same client. Each refusal names the header at fault.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  async validate(req: FastifyRequest): Promise<Principal> {
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
