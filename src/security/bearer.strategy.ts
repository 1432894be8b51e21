import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ApiError } from '../common/errors/api-error';
import { Principal, TokenService } from './token.service';

export const BEARER_STRATEGY = 'muwafaqa-bearer';

/** The access token as UAE PASS sends it (X-UP-AccessToken), or a plain `Authorization: Bearer`. */
export function accessTokenOf(req: FastifyRequest): string | undefined {
  const upToken = req.headers['x-up-accesstoken'];
  if (typeof upToken === 'string' && upToken.length > 0) return upToken;
  return bearerOf(req);
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/.exec(auth);
  return match?.[1];
}

/**
 * Passport strategy for every token-protected route. With UAE PASS's header pair, the access
 * token comes in X-UP-AccessToken and the id_token in Authorization: both must verify and name
 * the same client.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  async validate(req: FastifyRequest): Promise<Principal> {
    const token = accessTokenOf(req);
    if (!token || token.length > 8192) throw new ApiError('SEC_1000001');
    const principal = await this.tokens.verifyAccessToken(token);
    if (!principal) throw new ApiError('SEC_1000001');
    const bearer = bearerOf(req);
    if (bearer && bearer !== token && principal.issuer === 'self') {
      const sameClient =
        (await this.tokens.verifyIdToken(bearer, principal.subject)) || (await this.tokens.verifyAccessToken(bearer))?.subject === principal.subject;
      if (!sameClient) throw new ApiError('SEC_1000001');
    }
    return principal;
  }
}
