import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sign, unsign } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KEY_MATERIAL, REDIS, redisKey } from '../common/core.module';
import type { RedisClient } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { KeyMaterial } from '../common/key-material';
import type { OpsRole } from './ops-roles';

export interface OpsSession {
  id: string;
  /** The IdP's subject, its issuer, and what the console shows. */
  sub: string;
  issuer: string;
  name: string;
  email: string | null;
  role: OpsRole;
  /** CSRF token carried by every state-changing form of this session. */
  csrf: string;
  createdAt: string;
}

/** A sign-in in progress: what the callback must match (state) and prove (PKCE verifier). */
export interface PendingLogin {
  state: string;
  verifier: string;
}

export const SESSION_COOKIE = 'mwq_ops';
export const LOGIN_COOKIE = 'mwq_ops_login';
export const LANG_COOKIE = 'mwq_ops_lang';
const LOGIN_TTL_SECONDS = 600;

/**
 * Cookie header as name → value (our values are base64url and '.', never encoded). The header
 * also carries other applications' cookies on the same host: one that is not valid
 * percent-encoding is skipped, never an error (it made every /ops page answer 500).
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] ??= decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      /* URIError: not ours, not readable */
    }
  }
  return out;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Console sessions and pending sign-ins live in Redis (every instance sees them); the browser
 * holds only a random id in a signed, HttpOnly, SameSite=Lax cookie scoped to /ops.
 */
@Injectable()
export class OpsSessionStore {
  private readonly secret: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(KEY_MATERIAL) keys: KeyMaterial,
  ) {
    // A key of its own, derived so that a deployment without OPS_COOKIE_SECRET still has a stable one.
    this.secret = config.opsCookieSecret ?? createHmac('sha256', keys.identifierHashKey).update('muwafaqa ops-console cookies').digest('base64url');
  }

  async create(identity: Omit<OpsSession, 'id' | 'csrf' | 'createdAt'>): Promise<OpsSession> {
    const session: OpsSession = { ...identity, id: randomToken(), csrf: randomToken(), createdAt: new Date().toISOString() };
    await this.redis.set(this.key('session', session.id), JSON.stringify(session), 'EX', this.config.opsSessionTtlSeconds);
    return session;
  }

  /** The session named by the request's cookie; null when absent, tampered with, or ended. */
  async fromRequest(req: FastifyRequest): Promise<OpsSession | null> {
    const id = this.readCookie(req, SESSION_COOKIE);
    if (!id) return null;
    const raw = await this.redis.get(this.key('session', id));
    return raw ? (JSON.parse(raw) as OpsSession) : null;
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key('session', id));
  }

  async savePendingLogin(login: PendingLogin): Promise<string> {
    const handle = randomToken();
    await this.redis.set(this.key('login', handle), JSON.stringify(login), 'EX', LOGIN_TTL_SECONDS);
    return handle;
  }

  /** One use only: the record is deleted as it is read, so a callback cannot be replayed. */
  async takePendingLogin(handle: string): Promise<Partial<PendingLogin> | null> {
    const raw = await this.redis.getdel(this.key('login', handle));
    return raw ? (JSON.parse(raw) as Partial<PendingLogin>) : null;
  }

  /** The unsigned value of a signed cookie, or null when missing or its signature is wrong. */
  readCookie(req: FastifyRequest, name: string): string | null {
    const value = parseCookies(req.headers.cookie)[name];
    if (!value) return null;
    const result = unsign(value, this.secret);
    return result.valid && result.value ? result.value : null;
  }

  setCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number, signed = true): void {
    const attributes = [
      `${name}=${encodeURIComponent(signed ? sign(value, this.secret) : value)}`,
      `Max-Age=${maxAgeSeconds}`,
      'Path=/ops',
      'HttpOnly',
      'SameSite=Lax',
    ];
    // Browsers drop Secure cookies on plain http; tests run the gateway on http://127.0.0.1.
    if (this.config.nodeEnv !== 'test') attributes.push('Secure');
    this.appendCookie(reply, attributes.join('; '));
  }

  clearCookie(reply: FastifyReply, name: string): void {
    this.setCookie(reply, name, '', 0, false);
  }

  private appendCookie(reply: FastifyReply, cookie: string): void {
    const current = reply.getHeader('set-cookie');
    const list = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
    void reply.header('set-cookie', [...list, cookie]);
  }

  private key(kind: 'session' | 'login', id: string): string {
    return redisKey(this.config, 'ops', kind, id);
  }
}
