import { Gateway, startGateway } from '../support/gateway';
import { adminCall, clientToken, createUser, expectCatalogError, http, newEmiratesId, onboardSp, uniqueId } from '../support/clients';

describe('admin onboarding (POST /admin/v1/service-providers, /admin/v1/users)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers the client secret and signing secret once and stores neither in plaintext', async () => {
    const clientId = uniqueId('sp');
    const res = await adminCall(gw, 'POST', '/admin/v1/service-providers', {
      clientId,
      name: 'Owner SP',
      nameAr: 'مقدم الخدمة',
      callbackUrl: 'http://127.0.0.1:9/callback',
      callbackApiKey: 'callback-api-key-value-123',
      consentTtlSeconds: 120,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ clientId, clientSecret: expect.any(String), signingSecret: expect.any(String) });
    const { clientSecret, signingSecret } = res.body;
    expect(clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(signingSecret).not.toBe(clientSecret);

    const sp = (await gw.db.query(`SELECT * FROM service_providers WHERE client_id = $1`, [clientId])).rows[0];
    const secrets = (await gw.db.query(`SELECT * FROM sp_signing_secrets WHERE sp_id = $1`, [clientId])).rows;
    const stored = JSON.stringify([sp, secrets]);
    for (const plaintext of [clientSecret, signingSecret, 'callback-api-key-value-123']) expect(stored).not.toContain(plaintext);
    expect(sp.client_secret_hash).toMatch(/^scrypt\$/);
    expect(sp.consent_ttl_seconds).toBe(120);

    // The secrets work: the client secret gets a token.
    expect((await clientToken(gw, clientId, clientSecret)).status).toBe(200);
    expect((await clientToken(gw, clientId, 'wrong')).status).toBe(401);
  });

  it('refuses a second SP with the same clientId (ADM_1000001) and bad fields (CONS_1000007)', async () => {
    const sp = await onboardSp(gw);
    expectCatalogError(await adminCall(gw, 'POST', '/admin/v1/service-providers', { clientId: sp.clientId, name: 'x', nameAr: 'س' }), 409, 'ADM_1000001');
    const bad = await adminCall(gw, 'POST', '/admin/v1/service-providers', { clientId: uniqueId('sp'), name: 'x', nameAr: 'س', callbackUrl: 'ftp://nope' });
    expectCatalogError(bad, 400, 'CONS_1000007');
    expect(bad.body.desc.en).toContain('callbackUrl');
  });

  it('creates user profiles, refusing invalid identifiers and documents already registered', async () => {
    const user = await createUser(gw);
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    const doc = (await gw.db.query(`SELECT * FROM user_documents WHERE user_id = $1`, [user.id])).rows[0];
    expect(JSON.stringify(doc)).not.toContain(user.emiratesId.replace(/-/g, ''));
    expect(JSON.stringify(doc)).not.toContain(user.emiratesId);

    const duplicate = await adminCall(gw, 'POST', '/admin/v1/users', {
      name: 'Other',
      nameAr: 'آخر',
      verified: true,
      documents: [{ idDocType: 'EMIRATES_ID', identifier: user.emiratesId.replace(/-/g, '') }],
    });
    expectCatalogError(duplicate, 409, 'ADM_1000002');
    const invalid = await adminCall(gw, 'POST', '/admin/v1/users', {
      name: 'X',
      nameAr: 'س',
      verified: true,
      documents: [{ idDocType: 'EMIRATES_ID', identifier: '784-1990-1234567-0X' }],
    });
    expectCatalogError(invalid, 400, 'UMS_VAL_025');
    const count = (await gw.db.query(`SELECT count(*)::int AS n FROM user_profiles`)).rows[0].n;
    expect(count).toBe(1);
  });

  it('mints a user token for an existing user only', async () => {
    const user = await createUser(gw, { documents: [{ idDocType: 'EMIRATES_ID', identifier: newEmiratesId() }] });
    const res = await adminCall(gw, 'POST', `/admin/v1/users/${user.id}/tokens`);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expectCatalogError(await adminCall(gw, 'POST', `/admin/v1/users/00000000-0000-4000-8000-000000000000/tokens`), 404, 'ADM_1000003');
  });

  it('refuses admin routes without an admin token', async () => {
    expectCatalogError(
      await http(`${gw.url}/admin/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      401,
      'SEC_1000042',
    );
    const sp = await onboardSp(gw);
    const spToken = (await clientToken(gw, sp.clientId, sp.clientSecret)).body.access_token;
    const res = await http(`${gw.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${spToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expectCatalogError(res, 403, 'SEC_1000007');
  });
});
