import { signRequest } from '../../src/security/request-signature';
import { withEmiratesIdCheckDigit } from '../../src/consent/identifier-rules';
import { sampleSendBody } from '../../src/consent/sample-request';
import { ADMIN_ID, ADMIN_SECRET, Gateway, startGateway } from './gateway';
import { randomBytes, randomInt } from 'node:crypto';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = any>(url: string, init: RequestInit = {}): Promise<HttpResult<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** `POST /oauth2/token` with HTTP Basic client authentication. */
export async function clientToken(gw: Gateway, clientId: string, clientSecret: string, scope?: string) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  return http(`${gw.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

export async function adminToken(gw: Gateway): Promise<string> {
  const res = await clientToken(gw, ADMIN_ID, ADMIN_SECRET, 'muwafaqa:admin');
  if (res.status !== 200) throw new Error(`admin token: ${res.status} ${res.text}`);
  return res.body.access_token;
}

export async function adminCall<T = any>(gw: Gateway, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
  return http<T>(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await adminToken(gw)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}

export interface SpCredentials {
  clientId: string;
  clientSecret: string;
  signingSecret: string;
}

let counter = 0;
export function uniqueId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Onboards an SP through the admin API. */
export async function onboardSp(gw: Gateway, extra: Record<string, unknown> = {}): Promise<SpCredentials> {
  const clientId = (extra.clientId as string) ?? uniqueId('sp');
  const res = await adminCall(gw, 'POST', '/admin/v1/service-providers', { clientId, name: `SP ${clientId}`, nameAr: `مقدم خدمة ${clientId}`, ...extra });
  if (res.status !== 201) throw new Error(`onboard SP: ${res.status} ${res.text}`);
  return res.body;
}

/** A fresh, valid Emirates ID (Luhn check digit included), dashed. */
export function newEmiratesId(): string {
  const digits = withEmiratesIdCheckDigit(`784${randomInt(1950, 2010)}${String(randomInt(0, 9_999_999)).padStart(7, '0')}`);
  return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7, 14)}-${digits[14]}`;
}

export interface TestUser {
  id: string;
  emiratesId: string;
}

export async function createUser(gw: Gateway, opts: { verified?: boolean; documents?: { idDocType: string; identifier: string }[] } = {}): Promise<TestUser> {
  const emiratesId = newEmiratesId();
  const res = await adminCall(gw, 'POST', '/admin/v1/users', {
    name: 'Fatima Al Mansoori',
    nameAr: 'فاطمة المنصوري',
    verified: opts.verified ?? true,
    documents: opts.documents ?? [{ idDocType: 'EMIRATES_ID', identifier: emiratesId }],
  });
  if (res.status !== 201) throw new Error(`create user: ${res.status} ${res.text}`);
  return { id: res.body.id, emiratesId };
}

export async function userToken(gw: Gateway, userId: string): Promise<string> {
  const res = await adminCall(gw, 'POST', `/admin/v1/users/${userId}/tokens`);
  if (res.status !== 201) throw new Error(`user token: ${res.status} ${res.text}`);
  return res.body.access_token;
}

export interface SignedCallOptions {
  timestamp?: number | string;
  secret?: string;
  /** Headers to add, or to remove with `undefined`. */
  headers?: Record<string, string | undefined>;
  rawBody?: string;
  /** Path used in the signature when it differs from the one requested (tampering tests). */
  signedPath?: string;
  signedBody?: string;
}

/** An SP integration as UAE PASS describes it: token pair plus a signed request. */
export class SpClient {
  private tokens?: { access_token: string; id_token: string };

  constructor(
    readonly gw: Gateway,
    readonly creds: SpCredentials,
  ) {}

  async tokenPair() {
    if (!this.tokens) {
      const res = await clientToken(this.gw, this.creds.clientId, this.creds.clientSecret);
      if (res.status !== 200) throw new Error(`SP token: ${res.status} ${res.text}`);
      this.tokens = res.body;
    }
    return this.tokens!;
  }

  async post<T = any>(path: string, body: unknown, opts: SignedCallOptions = {}): Promise<HttpResult<T>> {
    const { access_token, id_token } = await this.tokenPair();
    const raw = opts.rawBody ?? JSON.stringify(body);
    const timestamp = String(opts.timestamp ?? Date.now());
    const signature = signRequest(opts.secret ?? this.creds.signingSecret, timestamp, 'POST', opts.signedPath ?? path, opts.signedBody ?? raw);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-up-accesstoken': access_token,
      authorization: `Bearer ${id_token}`,
      'x-timestamp': timestamp,
      'x-uaepass-signature': signature,
    };
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    return http<T>(`${this.gw.url}${path}`, { method: 'POST', headers, body: raw });
  }

  send(body: unknown, opts?: SignedCallOptions) {
    return this.post('/api/v1/consent/transaction/send', body, opts);
  }

  status(spTransactionID: string, opts?: SignedCallOptions) {
    return this.post('/api/v1/consent/transaction/status', { spTransactionID, spId: this.creds.clientId }, opts);
  }

  validate(body: unknown, opts?: SignedCallOptions) {
    return this.post('/api/v1/consent/transaction/validate', body, opts);
  }

  cancel(spTransactionID: string, opts?: SignedCallOptions) {
    return this.post('/api/v1/consent/transaction/cancel', { spTransactionID, spId: this.creds.clientId }, opts);
  }
}

/** A complete, valid send body for `user`, as in the seed's sample. */
export function sendBody(sp: SpCredentials, user: TestUser, overrides: Record<string, unknown> = {}) {
  return {
    ...sampleSendBody({ identifier: user.emiratesId, spId: sp.clientId, requestedById: sp.clientId, spTransactionID: uniqueId('tx') }),
    ...overrides,
  };
}

/** Asserts the seed's error body: the code and both languages, nothing else. */
export function expectCatalogError(res: HttpResult, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(typeof res.body.desc.en).toBe('string');
  expect(typeof res.body.desc.ar).toBe('string');
  expect(res.body.desc.en.length).toBeGreaterThan(0);
  expect(res.body.desc.ar.length).toBeGreaterThan(0);
}

/** The user's decision route, with its vendor media type unless `contentType` says otherwise. */
export async function decide(
  gw: Gateway,
  token: string,
  uaePassTransactionID: string,
  body: unknown,
  contentType = 'application/vnd.muwafaqa.consent-decision+json',
) {
  return http(`${gw.url}/app/v1/consents/${uaePassTransactionID}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A GET or body-less POST on the user's /app/v1 routes. */
export async function appCall(gw: Gateway, token: string, method: string, path: string) {
  return http(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
}

/** Polls `probe` until it answers something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The usual setting of an SP test: a gateway, one onboarded SP with its signed client, one verified user. */
export async function startWithSpAndUser(env: Record<string, string> = {}): Promise<{ gw: Gateway; sp: SpCredentials; client: SpClient; user: TestUser }> {
  const gw = await startGateway(env);
  const sp = await onboardSp(gw);
  return { gw, sp, client: new SpClient(gw, sp), user: await createUser(gw) };
}
