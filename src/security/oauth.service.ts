import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ApiError } from '../common/errors/api-error';
import { isDependencyDown } from '../common/errors/dependency-down';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OAuthClientRepository } from './oauth-client.repository';
import { RateLimiter } from './rate-limiter';
import { hashSecret, verifySecret } from '../common/secret-box';
import { ADMIN_SCOPE, OPENID_SCOPE, SP_CONSENT_SCOPE, TokenService } from './token.service';

/** What each kind of client may ask for; a request without `scope` gets its default (an id_token comes with `openid`). */
const ALLOWED_SCOPES = {
  sp: [SP_CONSENT_SCOPE, OPENID_SCOPE],
  admin: [ADMIN_SCOPE, OPENID_SCOPE],
} as const;
const DEFAULT_SCOPES = {
  // UAE PASS integrations ask for no scope and expect the id_token of the header pair.
  sp: [SP_CONSENT_SCOPE, OPENID_SCOPE],
  admin: [ADMIN_SCOPE],
} as const;

export interface TokenRequest {
  grant_type?: unknown;
  scope?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
}

/** RFC 6749 §4.4: the client-credentials grant, for SPs and admin clients. */
@Injectable()
export class OAuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(OAuthService.name);

  constructor(
    private readonly clients: OAuthClientRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
  ) {}

  /** Creates (or re-keys) the first admin client from ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET. */
  async onApplicationBootstrap(): Promise<void> {
    const { adminClientId: id, adminClientSecret: secret } = this.config;
    if (!id || !secret) return;
    const hash = await this.clients.findAdminSecretHash(id);
    if (hash && (await verifySecret(secret, hash))) return;
    await this.clients.upsertAdmin(id, await hashSecret(secret));
    this.logger.log(`admin client ${id} is ready`);
  }

  /** `source` is the caller's address: failed guesses are throttled per (client id, source). */
  async token(body: TokenRequest, authorization: string | undefined, source = 'unknown') {
    const { clientId, clientSecret } = this.clientCredentials(body, authorization);
    if (body.grant_type !== 'client_credentials') {
      throw new ApiError('OAUTH_1000002').asOAuth(typeof body.grant_type === 'string' ? 'unsupported_grant_type' : 'invalid_request');
    }
    if (clientId.length > 200 || clientSecret.length > 500) throw this.invalidClient();
    const kind = await this.authenticateThrottled(clientId, clientSecret, source);
    const allowed: readonly string[] = ALLOWED_SCOPES[kind];
    let scopes: string[] = [...DEFAULT_SCOPES[kind]];
    if (body.scope !== undefined) {
      if (typeof body.scope !== 'string')
        throw new ApiError('OAUTH_1000004', { reason: 'scope must be a string', reasonAr: 'يجب أن تكون الصلاحية نصاً' }).asOAuth('invalid_request');
      scopes = [...new Set(body.scope.split(' ').filter(Boolean))];
      const refused = scopes.find((s) => !allowed.includes(s));
      if (refused || scopes.length === 0) throw new ApiError('OAUTH_1000003', { scope: (refused ?? '').slice(0, 100) }).asOAuth('invalid_scope');
    }
    return this.tokens.issueClientTokens(kind, clientId, scopes);
  }

  private clientCredentials(body: TokenRequest, authorization: string | undefined) {
    const fromForm = body.client_id !== undefined || body.client_secret !== undefined;
    const basic = /^basic +(\S*) *$/i.exec(authorization ?? '');
    if (basic) {
      if (fromForm) throw this.invalidRequest('use one client authentication method');
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw this.invalidClient();
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
      try {
        return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
      } catch {
        throw this.invalidClient();
      }
    }
    if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') {
      return { clientId: body.client_id, clientSecret: body.client_secret };
    }
    throw this.invalidClient();
  }

  /**
   * Only failures count, per (client id, source) and per source: client ids are not secret, so
   * counting every attempt per id let anyone lock an SP out. The failure is reserved before scrypt
   * runs and refunded on success, so an attacker's scrypt work is bounded by the source's budget
   * even when the guesses arrive at once. While Redis is away the throttle waits for it rather
   * than locking every client out of tokens.
   */
  private async authenticateThrottled(clientId: string, clientSecret: string, source: string): Promise<'sp' | 'admin'> {
    const { tokenRateLimitPerMinute, tokenSourceFailuresPerMinute } = this.config;
    const reservation = await this.limiter
      .reserveFailure(`oauth:${clientId}`, source, tokenRateLimitPerMinute, tokenSourceFailuresPerMinute)
      .catch((err: unknown) => {
        if (!isDependencyDown(err)) throw err;
        return undefined;
      });
    const kind = await this.authenticate(clientId, clientSecret);
    await reservation?.refund().catch(() => undefined);
    return kind;
  }

  private async authenticate(clientId: string, clientSecret: string): Promise<'sp' | 'admin'> {
    for (const row of await this.clients.findCredentials(clientId)) {
      if (!row.disabled && (await verifySecret(clientSecret, row.hash))) return row.kind;
    }
    throw this.invalidClient();
  }

  private invalidClient(): ApiError {
    return new ApiError('OAUTH_1000001').asOAuth('invalid_client').withHeader('WWW-Authenticate', 'Basic realm="muwafaqa"');
  }

  private invalidRequest(reason: string): ApiError {
    return new ApiError('OAUTH_1000004', { reason, reasonAr: 'طريقة تحقق واحدة فقط مسموحة' }).asOAuth('invalid_request');
  }
}
