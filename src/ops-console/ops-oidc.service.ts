import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import OAuth2Strategy, { VerifyCallback } from 'passport-oauth2';
import { ApiError } from '../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { roleFromClaims } from './ops-roles';
import { LOGIN_COOKIE, OpsSession, OpsSessionStore, randomToken, sameToken, SESSION_COOKIE } from './ops-session.store';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
}

type Identity = Omit<OpsSession, 'id' | 'csrf' | 'createdAt'>;

/** What passport-oauth2 hands the state store: the request, plus our cookie's login handle. */
interface FlowRequest {
  query: Record<string, unknown>;
  headers: FastifyRequest['headers'];
  url: string;
  loginHandle: string | null;
  newLoginHandle?: string;
}

type Outcome =
  { kind: 'redirect'; url: string } | { kind: 'success'; identity: Identity } | { kind: 'fail'; reason: FailReason } | { kind: 'error'; error: unknown };

const FAIL_REASONS = {
  noLogin: {
    reason: 'no sign-in was started in this browser, or it expired or was already used',
    reasonAr: 'لم يبدأ تسجيل دخول في هذا المتصفح، أو انتهت صلاحيته أو استُخدم من قبل',
  },
  stateMismatch: { reason: 'the state parameter does not match', reasonAr: 'قيمة state غير مطابقة' },
  noVerifier: { reason: 'the PKCE code verifier of this sign-in is missing', reasonAr: 'رمز التحقق PKCE لهذا الدخول مفقود' },
  denied: { reason: 'the identity provider did not sign you in', reasonAr: 'لم يسجّل مزود الهوية دخولك' },
  badIdToken: { reason: 'the identity provider answered an ID token that does not verify', reasonAr: 'أرسل مزود الهوية رمز هوية لا يمكن التحقق منه' },
} as const;
type FailReason = keyof typeof FAIL_REASONS | 'noRole';

/**
 * passport-oauth2's state store: a random `state` and the PKCE verifier kept in Redis under a
 * one-time handle that only this browser holds (signed cookie). The callback must bring the
 * same state back; the verifier never leaves the server until the token request.
 */
class RedisPkceStateStore {
  constructor(private readonly sessions: OpsSessionStore) {}

  store(req: FlowRequest, verifier: string, _state: unknown, _meta: unknown, cb: (err: Error | null, state?: string) => void): void {
    const state = randomToken();
    this.sessions.savePendingLogin({ state, verifier }).then((handle) => {
      req.newLoginHandle = handle;
      cb(null, state);
    }, cb);
  }

  verify(req: FlowRequest, providedState: unknown, _meta: unknown, cb: (err: Error | null, ok?: string | false, info?: { message: FailReason }) => void): void {
    if (!req.loginHandle) return cb(null, false, { message: 'noLogin' });
    this.sessions.takePendingLogin(req.loginHandle).then((pending) => {
      if (!pending) return cb(null, false, { message: 'noLogin' });
      if (typeof providedState !== 'string' || !pending.state || !sameToken(pending.state, providedState)) return cb(null, false, { message: 'stateMismatch' });
      if (!pending.verifier) return cb(null, false, { message: 'noVerifier' });
      cb(null, pending.verifier);
    }, cb);
  }
}

/**
 * Operators sign in through the organisation's OpenID provider: authorization-code flow with
 * PKCE (S256) and `state`, run by passport-oauth2. Identity and groups come from userinfo (the
 * ID token is verified against the IdP's keys and must name the same subject).
 */
@Injectable()
export class OpsOidcService {
  private readonly log = new Logger('OpsConsole');
  private strategy?: Promise<OAuth2Strategy>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: OpsSessionStore,
  ) {}

  /** GET /ops/login: remembers state + verifier, then sends the browser to the IdP. */
  async begin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const flow = this.flowRequest(req);
    const outcome = await this.run(flow);
    if (outcome.kind !== 'redirect' || !flow.newLoginHandle) throw this.failure(outcome);
    this.sessions.setCookie(reply, LOGIN_COOKIE, flow.newLoginHandle, 600);
    void reply.header('cache-control', 'no-store').redirect(outcome.url, 302);
  }

  /** GET /ops/callback: checks state and PKCE, exchanges the code, opens a session. */
  async complete(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const flow = this.flowRequest(req);
    this.sessions.clearCookie(reply, LOGIN_COOKIE);
    // Without a code passport-oauth2 would start a new sign-in; a callback must carry one.
    if (typeof flow.query.code !== 'string' && typeof flow.query.error !== 'string') throw new ApiError('OPS_1000004', FAIL_REASONS.denied);
    const outcome = await this.run(flow);
    if (outcome.kind !== 'success') throw this.failure(outcome);
    const session = await this.sessions.create(outcome.identity);
    this.sessions.setCookie(reply, SESSION_COOKIE, session.id, this.config.opsSessionTtlSeconds);
    this.log.log({ msg: 'ops console sign-in', sub: session.sub, role: session.role });
    void reply.header('cache-control', 'no-store').redirect('/ops', 303);
  }

  async logout(session: OpsSession, reply: FastifyReply): Promise<void> {
    await this.sessions.destroy(session.id);
    this.sessions.clearCookie(reply, SESSION_COOKIE);
    void reply.redirect('/ops/signed-out', 303);
  }

  private flowRequest(req: FastifyRequest): FlowRequest {
    return {
      query: (req.query ?? {}) as Record<string, unknown>,
      headers: req.headers,
      url: req.url,
      loginHandle: this.sessions.readCookie(req, LOGIN_COOKIE),
    };
  }

  private failure(outcome: Outcome): ApiError {
    if (outcome.kind === 'fail') return outcome.reason === 'noRole' ? new ApiError('OPS_1000005') : new ApiError('OPS_1000004', FAIL_REASONS[outcome.reason]);
    if (outcome.kind === 'error' && outcome.error instanceof ApiError) return outcome.error;
    if (outcome.kind === 'error' && (outcome.error as { name?: string }).name === 'AuthorizationError') return new ApiError('OPS_1000004', FAIL_REASONS.denied);
    // Token errors (invalid_grant: a wrong verifier or a used code) say the IdP refused the code.
    if (outcome.kind === 'error' && (outcome.error as { name?: string }).name === 'TokenError') return new ApiError('OPS_1000004', FAIL_REASONS.denied);
    this.log.warn({
      msg: 'ops console sign-in failed at the IdP',
      error: outcome.kind === 'error' ? String((outcome.error as Error)?.message ?? outcome.error) : outcome.kind,
    });
    return new ApiError('OPS_1000007');
  }

  /** Runs the strategy once, as passport's middleware would, and reports how it ended. */
  private async run(flow: FlowRequest): Promise<Outcome> {
    let strategy: OAuth2Strategy;
    try {
      strategy = await this.getStrategy();
    } catch (error) {
      this.strategy = undefined; // try discovery again on the next sign-in
      return { kind: 'error', error };
    }
    return new Promise<Outcome>((resolve) => {
      const attempt = Object.create(strategy) as OAuth2Strategy & Record<string, unknown>;
      attempt.redirect = (url: string) => resolve({ kind: 'redirect', url });
      attempt.success = (identity: Identity) => resolve({ kind: 'success', identity });
      attempt.fail = (info: { message?: FailReason } | undefined) => resolve({ kind: 'fail', reason: info?.message ?? 'denied' });
      attempt.error = (error: unknown) => resolve({ kind: 'error', error });
      attempt.authenticate(flow as never, {});
    });
  }

  private getStrategy(): Promise<OAuth2Strategy> {
    this.strategy ??= this.buildStrategy();
    return this.strategy;
  }

  private async buildStrategy(): Promise<OAuth2Strategy> {
    const issuer = this.config.opsOidcIssuer!.replace(/\/$/, '');
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`OpenID discovery answered ${res.status}`);
    const discovery = (await res.json()) as Discovery;
    if (discovery.issuer.replace(/\/$/, '') !== issuer) throw new Error('OpenID discovery names another issuer');
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const config = this.config;

    const verify = (_accessToken: string, _refreshToken: string, params: { id_token?: string }, profile: Record<string, unknown>, done: VerifyCallback) => {
      (async () => {
        if (!params.id_token) return done(null, false, { message: 'badIdToken' });
        const { payload } = await jwtVerify(params.id_token, jwks, { issuer: discovery.issuer, audience: config.opsOidcClientId! }).catch(() => ({
          payload: null,
        }));
        if (!payload || payload.sub !== profile.sub) return done(null, false, { message: 'badIdToken' });
        const role = roleFromClaims(config, profile);
        if (!role) return done(null, false, { message: 'noRole' });
        const name = typeof profile.name === 'string' ? profile.name : String(profile.sub);
        const identity: Identity = {
          sub: String(profile.sub),
          issuer: discovery.issuer,
          name,
          email: typeof profile.email === 'string' ? profile.email : null,
          role,
        };
        done(null, identity as never);
      })().catch((err: Error) => done(err));
    };

    const strategy = new OAuth2Strategy(
      {
        authorizationURL: discovery.authorization_endpoint,
        tokenURL: discovery.token_endpoint,
        clientID: config.opsOidcClientId!,
        clientSecret: config.opsOidcClientSecret!,
        callbackURL: config.opsOidcRedirectUrl!,
        scope: config.opsOidcScopes.split(/\s+/),
        pkce: 'S256' as never,
        state: true,
        store: new RedisPkceStateStore(this.sessions) as never,
      },
      verify,
    );
    // The profile is the IdP's userinfo (where OpenID providers put the groups claim).
    strategy.userProfile = (accessToken: string, done: (err?: Error | null, profile?: unknown) => void) => {
      fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(5000) })
        .then(async (r) => {
          if (!r.ok) throw new Error(`userinfo answered ${r.status}`);
          const body = (await r.json()) as Record<string, unknown>;
          if (typeof body.sub !== 'string') throw new Error('userinfo has no sub');
          done(null, body);
        })
        .catch((err: Error) => done(err));
    };
    return strategy;
  }
}
