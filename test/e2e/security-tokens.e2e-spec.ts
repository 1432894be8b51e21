import { generateKeyPair, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { TokenService } from '../../src/security/token.service';
import { adminCall, clientToken, expectCatalogError, http, HttpResult, onboardSp, SpClient, SpCredentials } from '../support/clients';
import { startFakeIdp, FakeIdp } from '../support/fake-idp';
import { ADMIN_ID, ADMIN_SECRET, Gateway, startGateway, testConfig } from '../support/gateway';

const SP_SCOPE = 'urn:uae:digitalid:backend_api:manage_user_consent';
const FORM = 'application/x-www-form-urlencoded';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

function tokenForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: new URLSearchParams(fields).toString() };
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** An RFC 6749 error that also carries the catalog's code and both languages. */
function expectOAuthError(res: HttpResult, status: number, error: string, code: string) {
  expectCatalogError(res, status, code);
  expect(res.body.error).toBe(error);
  expect(res.body.error_description).toBe(res.body.desc.en);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('POST /oauth2/token (RFC 6749 §4.4 client credentials)', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  const url = () => `${gw.url}/oauth2/token`;

  beforeAll(async () => {
    gw = await startGateway();
    sp = await onboardSp(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('issues access_token and id_token to a client authenticated by HTTP Basic, not cacheable', async () => {
    const res = await clientToken(gw, sp.clientId, sp.clientSecret);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      token_type: 'Bearer',
      scope: `${SP_SCOPE} openid`,
      expires_in: 3600,
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const jwks = (await http(`${gw.url}/.well-known/jwks.json`)).body;
    expect(headerOf(res.body.access_token)).toEqual({ alg: 'ES256', kid: jwks.keys[0].kid, typ: 'at+jwt' });
  });

  it('accepts client_id and client_secret as form fields, and a narrower scope', async () => {
    const res = await http(url(), tokenForm({ grant_type: 'client_credentials', client_id: sp.clientId, client_secret: sp.clientSecret, scope: SP_SCOPE }));
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe(SP_SCOPE);
  });

  it('accepts the Basic scheme in any letter case', async () => {
    const res = await http(
      url(),
      tokenForm({ grant_type: 'client_credentials' }, { authorization: basic(sp.clientId, sp.clientSecret).replace('Basic', 'BASIC') }),
    );
    expect(res.status).toBe(200);
  });

  it('answers invalid_client (401, WWW-Authenticate) to a wrong secret, an unknown client, or no credentials', async () => {
    for (const auth of [basic(sp.clientId, 'not-the-secret'), basic('nobody', 'whatever'), undefined, 'Basic !!!notbase64']) {
      const res = await http(url(), tokenForm({ grant_type: 'client_credentials' }, auth ? { authorization: auth } : {}));
      expectOAuthError(res, 401, 'invalid_client', 'OAUTH_1000001');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="muwafaqa"');
    }
  });

  it('answers invalid_request when the client authenticates twice', async () => {
    const res = await http(
      url(),
      tokenForm(
        { grant_type: 'client_credentials', client_id: sp.clientId, client_secret: sp.clientSecret },
        { authorization: basic(sp.clientId, sp.clientSecret) },
      ),
    );
    expectOAuthError(res, 400, 'invalid_request', 'OAUTH_1000004');
  });

  it('answers invalid_request without grant_type and unsupported_grant_type for another grant', async () => {
    const auth = { authorization: basic(sp.clientId, sp.clientSecret) };
    expectOAuthError(await http(url(), tokenForm({}, auth)), 400, 'invalid_request', 'OAUTH_1000002');
    expectOAuthError(await http(url(), tokenForm({ grant_type: 'password' }, auth)), 400, 'unsupported_grant_type', 'OAUTH_1000002');
  });

  it('answers invalid_scope to a scope the client may not have', async () => {
    const res = await clientToken(gw, sp.clientId, sp.clientSecret, `${SP_SCOPE} muwafaqa:admin`);
    expectOAuthError(res, 400, 'invalid_scope', 'OAUTH_1000003');
    expect(res.body.desc.en).toContain('muwafaqa:admin');
  });

  it('refuses a disabled SP as invalid_client', async () => {
    const disabled = await onboardSp(gw);
    await gw.db.query(`UPDATE service_providers SET disabled = true WHERE client_id = $1`, [disabled.clientId]);
    expectOAuthError(await clientToken(gw, disabled.clientId, disabled.clientSecret), 401, 'invalid_client', 'OAUTH_1000001');
  });
});

describe('token signing keys: JWKS, rotation, forged tokens', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;

  beforeAll(async () => {
    gw = await startGateway();
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** A signed SP call carrying `accessToken` only: the token is the only thing under test. */
  const withToken = (accessToken: string) => client.status('tx-token', { headers: { 'x-up-accesstoken': accessToken, authorization: undefined } });

  it('publishes public keys only at /.well-known/jwks.json', async () => {
    const res = await http(`${gw.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual([
      { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' },
    ]);
  });

  describe('forged or unfit tokens all answer SEC_1000040', () => {
    let real: { access_token: string };
    let kid: string;
    let claims: Record<string, unknown>;
    let gatewayKey: { kid: string; privateKey: Parameters<SignJWT['sign']>[0] };

    beforeAll(async () => {
      real = await client.tokenPair();
      kid = headerOf(real.access_token).kid as string;
      claims = JSON.parse(Buffer.from(real.access_token.split('.')[1], 'base64url').toString('utf8'));
      gatewayKey = (gw.app.get(TokenService) as unknown as { keys: { kid: string; privateKey: Parameters<SignJWT['sign']>[0] }[] }).keys[0];
      expect((await withToken(real.access_token)).body.code).toBe('CONS_1000010');
    });

    it('alg: none', async () => {
      const token = `${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims)}.`;
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    });

    it('HS256 keyed with the published public key (algorithm confusion)', async () => {
      const jwk = (await http(`${gw.url}/.well-known/jwks.json`)).body.keys[0];
      for (const secret of [JSON.stringify(jwk), jwk.x, Buffer.from(JSON.stringify(jwk)).toString('base64')]) {
        const head = `${b64url({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64url(claims)}`;
        const token = `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
        expectCatalogError(await withToken(token), 401, 'SEC_1000040');
      }
    });

    it('signed by a key the gateway does not know, under a known or unknown kid', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      for (const k of [kid, 'no-such-key']) {
        const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: k }).sign(privateKey);
        expectCatalogError(await withToken(token), 401, 'SEC_1000040');
      }
    });

    it('expired', async () => {
      const token = await gw.app.get(TokenService).sign({ sub: sp.clientId, scope: SP_SCOPE, kind: 'sp' }, 'muwafaqa', -60, 'at+jwt');
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    });

    it('for another audience', async () => {
      const token = await gw.app.get(TokenService).sign({ sub: sp.clientId, scope: SP_SCOPE, kind: 'sp' }, 'another-api', 600, 'at+jwt');
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    });

    it('from another issuer, even signed with the gateway’s own key', async () => {
      const token = await new SignJWT({ ...claims, iss: 'https://evil.example' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: gatewayKey.kid })
        .sign(gatewayKey.privateKey);
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    });

    it('with a tampered payload (scope or subject changed)', async () => {
      const [h, , s] = real.access_token.split('.');
      const token = `${h}.${b64url({ ...claims, sub: 'someone-else', client_id: 'someone-else' })}.${s}`;
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    });

    it('garbage, or absurdly long', async () => {
      expectCatalogError(await withToken('not.a.jwt'), 401, 'SEC_1000040');
      expectCatalogError(await withToken('a'.repeat(9000)), 401, 'SEC_1000040');
    });

    it('on admin routes too', async () => {
      const admin = await clientToken(gw, ADMIN_ID, ADMIN_SECRET, 'muwafaqa:admin');
      const [h, p] = admin.body.access_token.split('.');
      const noneToken = `${b64url({ ...headerOf(admin.body.access_token), alg: 'none' })}.${p}.`;
      for (const token of [noneToken, `${h}.${p}.AAAA`]) {
        const res = await http(`${gw.url}/admin/v1/token-keys`, { headers: { authorization: `Bearer ${token}` } });
        expectCatalogError(res, 401, 'SEC_1000040');
      }
    });
  });

  it('rotates without invalidating live tokens; a retired key stops verifying its tokens', async () => {
    const before = await client.tokenPair();
    const oldKid = headerOf(before.access_token).kid;

    const rotated = await adminCall(gw, 'POST', '/admin/v1/token-keys');
    expect(rotated.status).toBe(201);
    const newKid: string = rotated.body.kid;
    const jwks = (await http(`${gw.url}/.well-known/jwks.json`)).body.keys.map((k: { kid: string }) => k.kid);
    expect(jwks).toEqual([newKid, oldKid]);

    // The token signed by the old key still works; new tokens use the new key.
    expect((await withToken(before.access_token)).body.code).toBe('CONS_1000010');
    const fresh = (await clientToken(gw, sp.clientId, sp.clientSecret)).body.access_token;
    expect(headerOf(fresh).kid).toBe(newKid);
    expect((await withToken(fresh)).body.code).toBe('CONS_1000010');

    const listed = await adminCall(gw, 'GET', '/admin/v1/token-keys');
    expect(listed.body.items.map((k: { kid: string; signing: boolean; published: boolean }) => [k.kid, k.signing, k.published])).toEqual([
      [newKid, true, true],
      [oldKid, false, true],
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(/private|"d"/);

    // Young keys are not retired by the routine sweep: a token they signed may still be live.
    expect((await adminCall(gw, 'POST', '/admin/v1/token-keys/retire-expired')).body).toEqual({ retired: [] });

    expectCatalogError(await adminCall(gw, 'DELETE', `/admin/v1/token-keys/${newKid}`), 409, 'SEC_1000009');
    expectCatalogError(await adminCall(gw, 'DELETE', `/admin/v1/token-keys/no-such-kid`), 404, 'SEC_1000008');
    expect((await adminCall(gw, 'DELETE', `/admin/v1/token-keys/${oldKid}`)).status).toBe(204);
    expect((await http(`${gw.url}/.well-known/jwks.json`)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([newKid]);
    expectCatalogError(await withToken(before.access_token), 401, 'SEC_1000040');
    expect((await withToken(fresh)).body.code).toBe('CONS_1000010');
  });

  it('refuses the key routes to an SP token', async () => {
    const { access_token } = (await clientToken(gw, sp.clientId, sp.clientSecret)).body;
    const res = await http(`${gw.url}/admin/v1/token-keys`, { method: 'POST', headers: { authorization: `Bearer ${access_token}` } });
    expectCatalogError(res, 403, 'SEC_1000007');
  });
});

describe('a key rotated on one instance is trusted by another at once', () => {
  let gw1: Gateway;
  let gw2: Gateway;

  beforeAll(async () => {
    gw1 = await startGateway();
    gw2 = await startGateway({ REDIS_PREFIX: gw1.config.redisPrefix }, gw1.config.databaseUrl);
  });
  afterAll(async () => {
    await gw2?.close();
    await gw1?.close();
  });

  it('verifies on instance 2 a token signed by the key instance 1 just added, and drops a key retired there', async () => {
    const sp = await onboardSp(gw1);
    const oldToken = (await clientToken(gw1, sp.clientId, sp.clientSecret)).body.access_token;
    const oldKid = headerOf(oldToken).kid;
    await adminCall(gw1, 'POST', '/admin/v1/token-keys');
    const fresh = (await clientToken(gw1, sp.clientId, sp.clientSecret)).body.access_token;
    const c2 = new SpClient(gw2, sp);
    const call = (token: string) => c2.status('tx', { headers: { 'x-up-accesstoken': token, authorization: undefined } });
    expect((await call(fresh)).body.code).toBe('CONS_1000010');
    expect((await adminCall(gw1, 'DELETE', `/admin/v1/token-keys/${oldKid}`)).status).toBe(204);
    const deadline = Date.now() + 3000;
    let res = await call(oldToken);
    while (res.status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      res = await call(oldToken);
    }
    expectCatalogError(res, 401, 'SEC_1000040');
  });
});

describe('external issuer (EXTERNAL_JWKS_URL)', () => {
  let idp: FakeIdp;
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  const AUDIENCE = 'muwafaqa-gateway';

  beforeAll(async () => {
    idp = await startFakeIdp(AUDIENCE);
    gw = await startGateway({ EXTERNAL_JWKS_URL: idp.jwksUrl, EXTERNAL_ISSUER: idp.issuer, EXTERNAL_AUDIENCE: AUDIENCE });
    sp = await onboardSp(gw);
    client = new SpClient(gw, sp);
    await client.tokenPair();
  });
  afterAll(async () => {
    await gw?.close();
    await idp?.close();
  });

  const withToken = (token: string) => client.status('tx-ext', { headers: { 'x-up-accesstoken': token, authorization: undefined } });

  it('accepts an SP token signed by the IdP (the SP still signs its requests)', async () => {
    const token = await idp.sign({ sub: 'svc-account', client_id: sp.clientId, scope: SP_SCOPE });
    expect((await withToken(token)).body.code).toBe('CONS_1000010');
    expect(idp.jwksRequests).toBeGreaterThan(0);
    // The IdP vouches for the token, not for the request: a bad signature is still refused.
    const res = await client.status('tx-ext', { secret: 'not-the-secret', headers: { 'x-up-accesstoken': token, authorization: undefined } });
    expectCatalogError(res, 401, 'CONS_1000005');
  });

  it('accepts an admin token signed by the IdP on admin routes', async () => {
    const token = await idp.sign({ sub: 'ops-person', scope: 'muwafaqa:admin' });
    const res = await http(`${gw.url}/admin/v1/token-keys`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('answers SEC_1000040 to IdP tokens for another audience, from another issuer, or expired', async () => {
    const base = { sub: 'svc', client_id: sp.clientId, scope: SP_SCOPE };
    for (const token of [
      await idp.sign(base, { audience: 'some-other-app' }),
      await idp.sign(base, { issuer: 'https://not-the-idp.example/' }),
      await idp.sign(base, { expiresIn: -60 }),
    ]) {
      expectCatalogError(await withToken(token), 401, 'SEC_1000040');
    }
  });

  it('answers SEC_1000040 to a token signed with another key under the IdP’s kid, or HS256 with its public key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'svc', client_id: sp.clientId, scope: SP_SCOPE, iss: idp.issuer, aud: AUDIENCE, iat: now, exp: now + 600 };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: idp.publicJwk.kid as string }).sign(privateKey);
    const head = `${b64url({ alg: 'HS256', kid: idp.publicJwk.kid })}.${b64url(claims)}`;
    const confused = `${head}.${createHmac('sha256', JSON.stringify(idp.publicJwk)).update(head).digest('base64url')}`;
    const none = `${b64url({ alg: 'none', kid: idp.publicJwk.kid })}.${b64url(claims)}.`;
    for (const token of [forged, confused, none]) expectCatalogError(await withToken(token), 401, 'SEC_1000040');
  });

  it('refuses to boot with EXTERNAL_JWKS_URL but no issuer or audience to check', () => {
    expect(() => testConfig(gw.config.databaseUrl!, { EXTERNAL_JWKS_URL: idp.jwksUrl })).toThrow('EXTERNAL_ISSUER and EXTERNAL_AUDIENCE are required');
  });
});
