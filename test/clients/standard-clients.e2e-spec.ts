/**
 * What an SP developer does with widely used OAuth/OIDC libraries nobody here wrote: discovery,
 * client credentials, offline token verification, then the consent routes with the token exactly
 * as the library hands it over. The only concession to the test bench is plain HTTP on loopback
 * (`allowInsecureRequests`); production gateways are reached over HTTPS.
 */
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose6';
import { ReceiptVerificationError, verifyReceipt } from '../../sdk/src';
import { signRequest } from '../../src/security/request-signature';
import { connectAppDevice } from '../support/app-device';
import {
  clientToken,
  createUser,
  decide,
  expectCatalogError,
  http,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  TestUser,
  userToken,
} from '../support/clients';
import { ADMIN_ID, ADMIN_SECRET, Gateway } from '../support/gateway';
import { startPublicGateway } from './public-gateway';

const SP_SCOPE = 'urn:uae:digitalid:backend_api:manage_user_consent';
const insecure = { execute: [oidc.allowInsecureRequests] };

/** A signed SP call with whatever token headers the caller chose. */
async function signedPost(gw: Gateway, sp: SpCredentials, path: string, body: unknown, tokenHeaders: Record<string, string>) {
  const raw = JSON.stringify(body);
  const timestamp = String(Date.now());
  return http(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-timestamp': timestamp,
      'x-uaepass-signature': signRequest(sp.signingSecret, timestamp, 'POST', path, raw),
      ...tokenHeaders,
    },
    body: raw,
  });
}

describe('an SP using openid-client 6, oauth4webapi 3 and jose 6', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let other: SpCredentials;
  let user: TestUser;

  beforeAll(async () => {
    gw = await startPublicGateway();
    sp = await onboardSp(gw);
    other = await onboardSp(gw);
    user = await createUser(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  describe('discovery', () => {
    it('answers the same metadata at both well-known paths, issuer = PUBLIC_URL, ES256 advertised', async () => {
      const openid = await http(`${gw.url}/.well-known/openid-configuration`);
      const rfc8414 = await http(`${gw.url}/.well-known/oauth-authorization-server`);
      expect(openid.status).toBe(200);
      expect(rfc8414.body).toEqual(openid.body);
      expect(openid.body).toMatchObject({
        issuer: gw.url,
        token_endpoint: `${gw.url}/oauth2/token`,
        jwks_uri: `${gw.url}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: expect.arrayContaining([SP_SCOPE, 'openid']),
        id_token_signing_alg_values_supported: ['ES256'],
        consent_send_endpoint: `${gw.url}/api/v1/consent/transaction/send`,
        consent_status_endpoint: `${gw.url}/api/v1/consent/transaction/status`,
        consent_receipt_typ: 'muwafaqa-receipt+jwt',
        consent_request_signing: expect.objectContaining({ algorithm: 'HMAC-SHA256', timestamp_format: 'unix-milliseconds', window_seconds: 300 }),
      });
    });
  });

  describe('openid-client: discovery() + clientCredentialsGrant(), no workaround', () => {
    it('gets an access token and a verified id_token (client_secret_basic)', async () => {
      const config = await oidc.discovery(new URL(gw.url), sp.clientId, sp.clientSecret, undefined, insecure);
      expect(config.serverMetadata().issuer).toBe(gw.url);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: `${SP_SCOPE} openid` });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.expires_in).toBe(3600);
      expect(tokens.claims()).toMatchObject({ iss: gw.url, aud: sp.clientId, sub: sp.clientId });
    });

    it('authenticates with client_secret_post too', async () => {
      const config = await oidc.discovery(new URL(gw.url), sp.clientId, undefined, oidc.ClientSecretPost(sp.clientSecret), insecure);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: SP_SCOPE });
      expect(tokens.access_token).toEqual(expect.any(String));
    });

    it('gives no id_token unless openid is asked for (SP and admin client alike)', async () => {
      const config = await oidc.discovery(new URL(gw.url), sp.clientId, sp.clientSecret, undefined, insecure);
      const plain = await oidc.clientCredentialsGrant(config, { scope: SP_SCOPE });
      expect(plain.id_token).toBeUndefined();
      expect(plain.scope).toBe(SP_SCOPE);

      const admin = await clientToken(gw, ADMIN_ID, ADMIN_SECRET, 'muwafaqa:admin');
      expect(admin.status).toBe(200);
      expect(admin.body.id_token).toBeUndefined();
      const adminWithOpenid = await oidc.clientCredentialsGrant(await oidc.discovery(new URL(gw.url), ADMIN_ID, ADMIN_SECRET, undefined, insecure), {
        scope: 'muwafaqa:admin openid',
      });
      expect(adminWithOpenid.claims()).toMatchObject({ aud: ADMIN_ID, sub: ADMIN_ID });
    });

    it('calls send and status with `bearer <access_token>` as the library reports token_type', async () => {
      const config = await oidc.discovery(new URL(gw.url), sp.clientId, sp.clientSecret, undefined, insecure);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: SP_SCOPE });
      const authorization = `${tokens.token_type} ${tokens.access_token}`;
      expect(authorization.startsWith('bearer ')).toBe(true);
      const body = sendBody(sp, user);
      const sent = await signedPost(gw, sp, '/api/v1/consent/transaction/send', body, { authorization });
      expect(sent.status).toBe(201);
      const status = await signedPost(
        gw,
        sp,
        '/api/v1/consent/transaction/status',
        { spTransactionID: body.spTransactionID, spId: sp.clientId },
        { authorization },
      );
      expect(status.body).toEqual({ uaePassTransactionID: sent.body.uaePassTransactionID, spTransactionID: body.spTransactionID, status: 'TRIGGERED' });
    });

    it('calls send in the UAE PASS pair with `bearer <id_token>`, and that id_token is checked', async () => {
      const config = await oidc.discovery(new URL(gw.url), sp.clientId, sp.clientSecret, undefined, insecure);
      const mine = await oidc.clientCredentialsGrant(config);
      const theirs = await oidc.clientCredentialsGrant(await oidc.discovery(new URL(gw.url), other.clientId, other.clientSecret, undefined, insecure));
      const pair = (idToken: string) => ({ 'x-up-accesstoken': mine.access_token, authorization: `${mine.token_type} ${idToken}` });

      const ok = await signedPost(gw, sp, '/api/v1/consent/transaction/send', sendBody(sp, user), pair(mine.id_token!));
      expect(ok.status).toBe(201);

      // Another client's id_token in lower-case `bearer` must not skip the same-client check.
      const body = sendBody(sp, user);
      const refused = await signedPost(gw, sp, '/api/v1/consent/transaction/send', body, pair(theirs.id_token!));
      expectCatalogError(refused, 401, 'SEC_1000041');
      expect(refused.body.desc.en).toContain('[Authorization]');
      expect(refused.body.desc.ar).toContain('[Authorization]');
      const rows = await gw.db.query(`SELECT 1 FROM consent_transactions WHERE sp_transaction_id = $1`, [body.spTransactionID]);
      expect(rows.rowCount).toBe(0);
    });
  });

  describe('jose: createRemoteJWKSet + jwtVerify with issuer and audience', () => {
    it('verifies the id_token (audience = client id) and the access token (audience muwafaqa, typ at+jwt)', async () => {
      const metadata = (await http(`${gw.url}/.well-known/openid-configuration`)).body;
      const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
      const tokens = (await clientToken(gw, sp.clientId, sp.clientSecret, `${SP_SCOPE} openid`)).body;
      const id = await jwtVerify(tokens.id_token, jwks, { issuer: metadata.issuer, audience: sp.clientId, typ: 'JWT', algorithms: ['ES256'] });
      expect(id.payload.sub).toBe(sp.clientId);
      const access = await jwtVerify(tokens.access_token, jwks, { issuer: metadata.issuer, audience: 'muwafaqa', typ: 'at+jwt' });
      expect(access.payload).toMatchObject({ client_id: sp.clientId, scope: `${SP_SCOPE} openid` });
    });
  });

  describe('oauth4webapi: the low-level flow', () => {
    it('discovers, gets a client-credentials token and reads token_type as bearer', async () => {
      const issuer = new URL(gw.url);
      const options = { [oauth.allowInsecureRequests]: true };
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
      const client: oauth.Client = { client_id: sp.clientId };
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(sp.clientSecret),
        new URLSearchParams({ scope: SP_SCOPE }),
        options,
      );
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result.token_type).toBe('bearer');
      const status = await signedPost(
        gw,
        sp,
        '/api/v1/consent/transaction/status',
        { spTransactionID: 'not-sent', spId: sp.clientId },
        { authorization: `${result.token_type} ${result.access_token}` },
      );
      expectCatalogError(status, 404, 'CONS_1000010');
    });
  });

  describe('401 answers name the header at fault', () => {
    it('names X-UP-AccessToken for a bad access token there, Authorization for a bad one there', async () => {
      const badUp = await signedPost(
        gw,
        sp,
        '/api/v1/consent/transaction/status',
        { spTransactionID: 'x', spId: sp.clientId },
        { 'x-up-accesstoken': 'not.a.jwt' },
      );
      expectCatalogError(badUp, 401, 'SEC_1000040');
      expect(badUp.body.desc.en).toContain('[X-UP-AccessToken]');
      expect(badUp.body.desc.ar).toContain('[X-UP-AccessToken]');
      const badBearer = await http(`${gw.url}/admin/v1/token-keys`, { headers: { authorization: 'BEARER not.a.jwt' } });
      expectCatalogError(badBearer, 401, 'SEC_1000040');
      expect(badBearer.body.desc.en).toContain('[Authorization]');
    });

    it('names Authorization when it is missing or not a Bearer credential', async () => {
      const none = await http(`${gw.url}/admin/v1/token-keys`);
      expectCatalogError(none, 401, 'SEC_1000042');
      expect(none.body.desc.en).toContain('[Authorization]');
      const tokens = (await clientToken(gw, sp.clientId, sp.clientSecret)).body;
      const wrongScheme = await signedPost(
        gw,
        sp,
        '/api/v1/consent/transaction/status',
        { spTransactionID: 'x', spId: sp.clientId },
        {
          'x-up-accesstoken': tokens.access_token,
          authorization: `Token ${tokens.id_token}`,
        },
      );
      expectCatalogError(wrongScheme, 401, 'SEC_1000042');
    });

    it('hints at milliseconds when X-Timestamp looks like seconds (SEC_1000043)', async () => {
      const client = new SpClient(gw, sp);
      const seconds = String(Math.floor(Date.now() / 1000));
      const res = await client.status('x', { timestamp: seconds });
      expectCatalogError(res, 401, 'SEC_1000043');
      expect(res.body.desc.en).toBe(`X-Timestamp [${seconds}] looks like seconds; it must be Unix time in milliseconds.`);
      expect(res.body.desc.ar).toContain(seconds);
    });

    it('keeps the seed’s bare 401 when a signed route gets no token at all', async () => {
      const res = await signedPost(gw, sp, '/api/v1/consent/transaction/status', { spTransactionID: 'x', spId: sp.clientId }, {});
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: '401', desc: { en: 'UNAUTHORIZED', ar: 'UNAUTHORIZED' } });
    });
  });

  describe('receipts have their own JWT typ, checked both ways', () => {
    let receipt: string;
    let tokens: { access_token: string; id_token: string };

    beforeAll(async () => {
      const token = await userToken(gw, user.id);
      const device = await connectAppDevice(gw, token);
      try {
        const client = new SpClient(gw, sp);
        const body = sendBody(sp, user);
        const sent = await client.send(body);
        expect((await decide(gw, token, sent.body.uaePassTransactionID, { accept: true })).status).toBe(200);
        receipt = (await client.post('/api/v1/consent/transaction/receipt', { spTransactionID: body.spTransactionID, spId: sp.clientId })).body.receipt;
      } finally {
        device.close();
      }
      tokens = (await clientToken(gw, sp.clientId, sp.clientSecret)).body;
    });

    it('a strict id_token check (jose, typ JWT) refuses a receipt; the receipt verifies under its own typ', async () => {
      const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
      const asIdToken = { issuer: gw.url, audience: sp.clientId, typ: 'JWT', algorithms: ['ES256'] };
      await expect(jwtVerify(receipt, jwks, asIdToken)).rejects.toThrow(/typ/);
      await expect(jwtVerify(tokens.id_token, jwks, asIdToken)).resolves.toBeDefined();
      const verified = await jwtVerify(receipt, jwks, { ...asIdToken, typ: 'muwafaqa-receipt+jwt' });
      expect(verified.protectedHeader.typ).toBe('muwafaqa-receipt+jwt');
    });

    it('the gateway refuses a receipt as the id_token (SEC_1000041) or as the access token (SEC_1000040)', async () => {
      const path = '/api/v1/consent/transaction/status';
      const body = { spTransactionID: 'x', spId: sp.clientId };
      expectCatalogError(
        await signedPost(gw, sp, path, body, { 'x-up-accesstoken': tokens.access_token, authorization: `Bearer ${receipt}` }),
        401,
        'SEC_1000041',
      );
      expectCatalogError(await signedPost(gw, sp, path, body, { 'x-up-accesstoken': receipt }), 401, 'SEC_1000040');
    });

    it('the SDK’s verifyReceipt accepts the receipt and refuses an id_token or access token by typ', async () => {
      const opts = { issuer: gw.url, audience: sp.clientId };
      const claims = await verifyReceipt(receipt, opts);
      expect(claims).toMatchObject({
        iss: gw.url,
        aud: sp.clientId,
        receipt_type: 'muwafaqa-consent-receipt/v1',
        data_owner: sp.clientId,
        documents_accepted: ['EMIRATES_ID'],
      });
      for (const token of [tokens.id_token, tokens.access_token]) {
        const err = await verifyReceipt(token, opts).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ReceiptVerificationError);
        expect((err as ReceiptVerificationError).reason).toBe('typ');
      }
      const [h, p, sig] = receipt.split('.');
      const flipped = Buffer.from(sig, 'base64url');
      flipped[0] ^= 1;
      await expect(verifyReceipt(`${h}.${p}.${flipped.toString('base64url')}`, opts)).rejects.toMatchObject({ reason: 'signature' });
      await expect(verifyReceipt(receipt, { ...opts, audience: other.clientId })).rejects.toMatchObject({ reason: 'claims' });
    });
  });
});
