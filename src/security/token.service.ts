import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  JSONWebKeySet,
  JWK,
  JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import Redis from 'ioredis';
import { KEY_MATERIAL, REDIS, redisKey } from '../common/core.module';
import { ApiError } from '../common/errors/api-error';
import { subscriberOf } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { KeyMaterial } from '../common/key-material';
import { TokenKeyRepository } from './token-key.repository';

export const SP_CONSENT_SCOPE = 'urn:uae:digitalid:backend_api:manage_user_consent';
export const ADMIN_SCOPE = 'muwafaqa:admin';
export const USER_SCOPE = 'muwafaqa:user';
export const OPENID_SCOPE = 'openid';
/** Audience of every access token the gateway issues. */
export const TOKEN_AUDIENCE = 'muwafaqa';
/** The one signing algorithm of every gateway JWT (advertised in the discovery metadata). */
export const TOKEN_ALG = 'ES256';
const ALG = TOKEN_ALG;
const VERIFIED_MAX = 10_000;
/** RFC 9068 header type of access tokens, so an id_token or a receipt can never pass as one. */
const ACCESS_TOKEN_TYP = 'at+jwt';
/** id_tokens keep the plain OpenID `typ`; receipts have their own, so neither passes as the other. */
const ID_TOKEN_TYP = 'JWT';
export const RECEIPT_JWT_TYP = 'muwafaqa-receipt+jwt';

export type PrincipalKind = 'sp' | 'admin' | 'user';

/** The caller, as established from a verified token. */
export interface Principal {
  kind: PrincipalKind;
  /** client id for SPs and admins; user profile id for users. */
  subject: string;
  scopes: string[];
  /** 'self' for the gateway's own tokens, the issuer URL for external ones. */
  issuer: string;
}

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  privateKey: Awaited<ReturnType<typeof importJWK>>;
}

/**
 * Issues and verifies the gateway's JWTs (ES256). Keys live in Postgres so every instance signs
 * and verifies with the same set; every unretired key stays in the JWKS, so rotating never
 * invalidates a live token. Only ES256 is accepted: `alg: none` and HS/RS confusion fail.
 */
@Injectable()
export class TokenService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TokenService.name);
  private keys: LoadedKey[] = [];
  private localJwks = createLocalJWKSet({ keys: [] });
  private externalJwks?: ReturnType<typeof createRemoteJWKSet>;
  private refreshTimer?: NodeJS.Timeout;
  private subscriber?: Redis;
  private readonly channel: string;
  /**
   * Own tokens already verified (audience, typ, token → claims): an SP sends the same token pair
   * on every call, and two ES256 verifications were the largest CPU cost of a request. An entry
   * lives until the token expires, at most a minute; the cache is emptied whenever the key set
   * changes (a retired key stops verifying at once) and when it reaches VERIFIED_MAX entries.
   */
  private readonly verified = new Map<string, { payload: JWTPayload; until: number }>();
  /** Bumped with every key set, so a verification begun under the old set is not cached. */
  private keyGeneration = 0;

  constructor(
    private readonly repo: TokenKeyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_MATERIAL) private readonly keyMaterial: KeyMaterial,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    if (config.externalJwksUrl) this.externalJwks = createRemoteJWKSet(new URL(config.externalJwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    this.channel = redisKey(config, 'token-keys-changed');
  }

  get issuer(): string {
    return this.config.publicUrl;
  }

  async onModuleInit(): Promise<void> {
    // A key retired on another instance must stop verifying here at once: it may be compromised.
    this.subscriber = subscriberOf(this.redis); // also right on a Redis Cluster
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', () => void this.refreshKeys().catch(() => undefined));
    await this.subscriber.subscribe(this.channel);
    await this.refreshKeys();
    if (this.keys.length === 0) await this.rotate();
    // Safety net for a missed message.
    this.refreshTimer = setInterval(() => void this.refreshKeys().catch(() => undefined), 60_000);
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.refreshTimer);
    this.subscriber?.disconnect();
  }

  /** Every key, with its state, for operators (public parts only). */
  async listKeys() {
    const rows = await this.repo.listAll();
    const signing = this.keys[0]?.kid;
    return {
      items: rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        createdAt: r.created_at,
        retiredAt: r.retired_at,
        published: r.retired_at === null,
        signing: r.kid === signing,
      })),
    };
  }

  /**
   * Retires one key now (e.g. suspected compromise): it leaves the JWKS and every token it signed
   * stops verifying on every instance. The key signing new tokens cannot be retired; rotate first.
   */
  async retire(kid: string): Promise<void> {
    const key = await this.repo.findLive(kid);
    if (!key) throw new ApiError('SEC_1000008', { kid: kid.slice(0, 64) });
    if (key.newest) throw new ApiError('SEC_1000009', { kid });
    await this.repo.retire(kid);
    await this.keysChanged();
  }

  private async keysChanged(): Promise<void> {
    await this.refreshKeys();
    // Other instances refresh at once; if Redis is away they catch up within a minute.
    await this.redis.publish(this.channel, 'changed').catch(() => undefined);
  }

  jwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Adds a new signing key; older keys stay published until retired. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    await this.repo.insert({ kid, alg: ALG, publicJwk, privateJwkEnc: this.keyMaterial.secretBox.encrypt(JSON.stringify(privateJwk)) });
    await this.keysChanged();
    this.logger.log(`token signing key ${kid} added`);
    return kid;
  }

  /** Retires keys older than the newest, once no token they signed can still be live. */
  async retireOldKeys(): Promise<{ retired: string[] }> {
    const retired = await this.repo.retireOlderThan(Math.max(this.config.tokenTtlSeconds, this.config.userTokenTtlSeconds) * 2);
    if (retired.length > 0) await this.keysChanged();
    return { retired };
  }

  async refreshKeys(): Promise<void> {
    const rows = await this.repo.listLive();
    this.keys = await Promise.all(
      rows.map(async (r) => ({
        kid: r.kid,
        publicJwk: r.public_jwk,
        privateKey: await importJWK(JSON.parse(this.keyMaterial.secretBox.decrypt(r.private_jwk_enc)), ALG),
      })),
    );
    this.localJwks = createLocalJWKSet(this.jwks());
    this.keyGeneration++;
    this.verified.clear();
  }

  async sign(claims: JWTPayload, audience: string, ttlSeconds: number, typ = 'JWT'): Promise<string> {
    const key = this.keys[0];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }

  /** An access token, and an OpenID id_token when `openid` was granted, as UAE PASS hands them out. */
  async issueClientTokens(kind: 'sp' | 'admin', clientId: string, scopes: string[]) {
    const ttl = this.config.tokenTtlSeconds;
    const access_token = await this.sign({ sub: clientId, client_id: clientId, scope: scopes.join(' '), kind }, TOKEN_AUDIENCE, ttl, ACCESS_TOKEN_TYP);
    const id_token = scopes.includes(OPENID_SCOPE) ? await this.sign({ sub: clientId, kind }, clientId, ttl, ID_TOKEN_TYP) : undefined;
    return { access_token, ...(id_token ? { id_token } : {}), token_type: 'Bearer' as const, scope: scopes.join(' '), expires_in: ttl };
  }

  async issueUserToken(userId: string) {
    const ttl = this.config.userTokenTtlSeconds;
    const access_token = await this.sign({ sub: userId, scope: USER_SCOPE, kind: 'user' }, TOKEN_AUDIENCE, ttl, ACCESS_TOKEN_TYP);
    return { access_token, token_type: 'Bearer' as const, expires_in: ttl };
  }

  /** Verifies an access token; null when it is not one this gateway trusts. */
  async verifyAccessToken(token: string): Promise<Principal | null> {
    const own = await this.verifyOwn(token, TOKEN_AUDIENCE, ACCESS_TOKEN_TYP);
    if (own) {
      const kind = own.kind as PrincipalKind;
      if (!['sp', 'admin', 'user'].includes(kind) || typeof own.sub !== 'string') return null;
      return {
        kind,
        subject: own.sub,
        scopes: String(own.scope ?? '')
          .split(' ')
          .filter(Boolean),
        issuer: 'self',
      };
    }
    return this.verifyExternal(token);
  }

  /** Verifies an id_token issued to `clientId`. */
  async verifyIdToken(token: string, clientId: string): Promise<boolean> {
    const payload = await this.verifyOwn(token, clientId, ID_TOKEN_TYP);
    return payload?.sub === clientId;
  }

  private async verifyOwn(token: string, audience: string, typ: string, retried = false): Promise<JWTPayload | null> {
    const cacheKey = `${typ} ${audience} ${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.payload;
    const generation = this.keyGeneration;
    try {
      const { payload } = await jwtVerify(token, this.localJwks, { algorithms: [ALG], issuer: this.issuer, audience, typ });
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      if (generation === this.keyGeneration) this.verified.set(cacheKey, { payload, until: Math.min((payload.exp ?? 0) * 1000, Date.now() + 60_000) });
      return payload;
    } catch (err) {
      // A key rotated in by another instance whose message has not arrived yet: reload, once,
      // and only when the kid is a live key in the database (an unknown kid costs one lookup).
      if (!retried && (err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && (await this.isLiveKid(token))) {
        await this.refreshKeys();
        return this.verifyOwn(token, audience, typ, true);
      }
      return null;
    }
  }

  private async isLiveKid(token: string): Promise<boolean> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return false;
    }
    if (typeof kid !== 'string' || kid.length > 64 || this.keys.some((k) => k.kid === kid)) return false;
    return this.repo.isLive(kid);
  }

  private async verifyExternal(token: string): Promise<Principal | null> {
    if (!this.externalJwks) return null;
    try {
      const { payload } = await jwtVerify(token, this.externalJwks, {
        algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        issuer: this.config.externalIssuer,
        audience: this.config.externalAudience,
      });
      if (typeof payload.sub !== 'string') return null;
      const scopes = String(payload.scope ?? payload.scp ?? '')
        .split(' ')
        .filter(Boolean);
      // An external issuer speaks for users unless its token carries a client scope.
      const kind: PrincipalKind = scopes.includes(SP_CONSENT_SCOPE) ? 'sp' : scopes.includes(ADMIN_SCOPE) ? 'admin' : 'user';
      const subject = kind === 'sp' ? String(payload.client_id ?? payload.azp ?? payload.sub) : payload.sub;
      return { kind, subject, scopes, issuer: String(payload.iss) };
    } catch {
      return null;
    }
  }
}
