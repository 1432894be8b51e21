import type { Gateway } from '../support/gateway';
import {
  adminCall,
  createUser,
  expectCatalogError,
  http,
  HttpResult,
  newEmiratesId,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  startWithSpAndUser,
  TestUser,
  uniqueId,
} from '../support/clients';
import { consentRowCounts, ConsentRowCounts } from '../support/consent-rows';

/**
 * UAE PASS's published error table (the seed codes of docs/consent-api.md), row by row, over HTTP.
 * The expected bodies are copied from UAE PASS, not from the catalog, so a drift in the catalog's wording fails here.
 */
const SEED = {
  CONS_1000001: { ar: 'المعاملة موجودة بالفعل.', en: 'Transaction already exists.' },
  '401': { ar: 'UNAUTHORIZED', en: 'UNAUTHORIZED' },
  '0001': { ar: 'ملف تعريف المستخدم غير موجود', en: 'User Profile does not exist with provided details' },
  CONS_1000002: { ar: 'نوع مستند الهوية خاطئ.', en: 'Wrong Id document type.' },
  CONS_1000003: { ar: 'لم يتم التحقق من الحساب.', en: 'Account is not verified' },
  CONS_1000004: { ar: 'الاعدادات المطلوبة مفقودة.', en: 'Required configuration is missing' },
  CONS_1000005: { ar: 'التوقيع غير صحيح.', en: 'Invalid signature.' },
  CONS_1000006: {
    ar: 'idDocType is missing or invalid value, allowed values [EMIRATES_ID, PASSPORT, GCC_NATIONAL_ID_CARDS]',
    en: 'idDocType is missing or invalid value, allowed values [EMIRATES_ID, PASSPORT, GCC_NATIONAL_ID_CARDS]',
  },
  CONS_1000011: (tx: string, status: string) => ({
    ar: `تمت الموافقة على المعاملة رقم [${tx}]، وحالتها الحالية هي [${status}].`,
    en: `Consent for transaction ID [${tx}] has been done. Its current status is [${status}].`,
  }),
  CONS_1000012: (spId: string) => ({ ar: `مقدم الخدمة [${spId}] غير موجودة.`, en: `Service Provider [${spId}] is not found.` }),
  UMS_VAL_025: { ar: ' الهوية غير صحيحة', en: 'invalid identifier' },
};

function expectSeedError(res: HttpResult, status: number, code: string, desc: { ar: string; en: string }): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: { code, desc } });
}

describe('POST /api/v1/consent/transaction/send: the seed error table', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let before: ConsentRowCounts;

  beforeAll(async () => {
    // No workers: nothing moves in the background, so row counts before and after are exact.
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(async () => {
    before = await consentRowCounts(gw);
  });

  /** Every refusal in this file must leave every consent table exactly as it was. */
  async function expectNothingWritten(): Promise<void> {
    expect(await consentRowCounts(gw)).toEqual(before);
  }

  it('answers CONS_1000001 (409) when the spTransactionID is still pending', async () => {
    const body = sendBody(sp, user);
    expect((await client.send(body)).status).toBe(201);
    before = await consentRowCounts(gw);
    expectSeedError(await client.send(body), 409, 'CONS_1000001', SEED.CONS_1000001);
    await expectNothingWritten();
  });

  it.each([['x-uaepass-signature'], ['x-timestamp'], ['x-up-accesstoken']])('answers the bare 401 body when %s is missing', async (header) => {
    const res = await client.send(sendBody(sp, user), {
      headers: { [header]: undefined, ...(header === 'x-up-accesstoken' ? { authorization: undefined } : {}) },
    });
    expectSeedError(res, 401, '401', SEED['401']);
    await expectNothingWritten();
  });

  it('answers 0001 (404) when no user profile holds the identifier', async () => {
    const stranger = { id: '', emiratesId: newEmiratesId() };
    expectSeedError(await client.send(sendBody(sp, stranger)), 404, '0001', SEED['0001']);
    await expectNothingWritten();
  });

  it('answers CONS_1000002 (409) when the profile holds the number under another document type', async () => {
    const passportHolder = await createUser(gw, { documents: [{ idDocType: 'PASSPORT', identifier: '123456789' }] });
    // The same characters are a valid GCC ID number, but this user's document is a passport.
    const res = await client.send(sendBody(sp, passportHolder, { identifier: '123456789', idDocType: 'GCC_NATIONAL_ID_CARDS' }));
    expectSeedError(res, 409, 'CONS_1000002', SEED.CONS_1000002);
    await expectNothingWritten();
  });

  it('answers CONS_1000003 with 403 (the catalog decision for the seed\'s impossible "094") for an unverified account', async () => {
    const unverified = await createUser(gw, { verified: false });
    expectSeedError(await client.send(sendBody(sp, unverified)), 403, 'CONS_1000003', SEED.CONS_1000003);
    await expectNothingWritten();
  });

  it('answers CONS_1000004 (500) when the SP has no active signing secret', async () => {
    const lonely = await onboardSp(gw);
    const lonelyClient = new SpClient(gw, lonely);
    await lonelyClient.tokenPair();
    const secrets = await adminCall(gw, 'GET', `/admin/v1/service-providers/${lonely.clientId}/signing-secrets`);
    expect(secrets.status).toBe(200);
    const list: { id: string }[] = Array.isArray(secrets.body) ? secrets.body : secrets.body.items;
    for (const s of list) expect((await adminCall(gw, 'DELETE', `/admin/v1/service-providers/${lonely.clientId}/signing-secrets/${s.id}`)).status).toBe(204);
    const res = await lonelyClient.send(sendBody(lonely, user));
    expectSeedError(res, 500, 'CONS_1000004', SEED.CONS_1000004);
    await expectNothingWritten();
  });

  it('answers CONS_1000005 (401) when the signature does not match', async () => {
    const res = await client.send(sendBody(sp, user), { secret: 'not-the-signing-secret' });
    expectSeedError(res, 401, 'CONS_1000005', SEED.CONS_1000005);
    await expectNothingWritten();
  });

  it('answers CONS_1000005 when the body was changed after signing', async () => {
    const body = sendBody(sp, user);
    const res = await client.send(body, { signedBody: JSON.stringify({ ...body, purpose: 'something else' }) });
    expectSeedError(res, 401, 'CONS_1000005', SEED.CONS_1000005);
    await expectNothingWritten();
  });

  it.each([[undefined], [''], ['DRIVING_LICENCE'], ['emirates_id'], [42], [null]])('answers CONS_1000006 (400) for idDocType %p', async (idDocType) => {
    const body: Record<string, unknown> = sendBody(sp, user, { idDocType });
    if (idDocType === undefined) delete body.idDocType;
    expectSeedError(await client.send(body), 400, 'CONS_1000006', SEED.CONS_1000006);
    await expectNothingWritten();
  });

  it.each(['ACCEPTED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'INIT_FAILED'])(
    'answers CONS_1000011 (409) naming the transaction and its status [%s] on a repeat',
    async (status) => {
      const body = sendBody(sp, user, { spTransactionID: `spTransactionID-apidog-${uniqueId('d')}` });
      const sent = await client.send(body);
      expect(sent.status).toBe(201);
      await gw.db.query(`UPDATE consent_transactions SET status = $2 WHERE id = $1`, [sent.body.uaePassTransactionID, status]);
      before = await consentRowCounts(gw);
      expectSeedError(await client.send(body), 409, 'CONS_1000011', SEED.CONS_1000011(body.spTransactionID, status));
      await expectNothingWritten();
    },
  );

  it('answers CONS_1000012 (404) naming the spId when spId is no registered SP', async () => {
    expectSeedError(await client.send(sendBody(sp, user, { spId: 'owner_sp_client_id' })), 404, 'CONS_1000012', SEED.CONS_1000012('owner_sp_client_id'));
    await expectNothingWritten();
  });

  it('answers CONS_1000012 naming requestedById when the requesting SP is not registered', async () => {
    const res = await client.send(sendBody(sp, user, { requestedById: 'requesting_sp_nowhere' }));
    expectSeedError(res, 404, 'CONS_1000012', SEED.CONS_1000012('requesting_sp_nowhere'));
    await expectNothingWritten();
  });

  it.each([['X'], [''], ['   '], [123], [null]])('answers UMS_VAL_025 (400) for identifier %p', async (identifier) => {
    expectSeedError(await client.send(sendBody(sp, user, { identifier })), 400, 'UMS_VAL_025', SEED.UMS_VAL_025);
    await expectNothingWritten();
  });

  it('answers UMS_VAL_025 when identifier is missing', async () => {
    const body: Record<string, unknown> = sendBody(sp, user);
    delete body.identifier;
    expectSeedError(await client.send(body), 400, 'UMS_VAL_025', SEED.UMS_VAL_025);
    await expectNothingWritten();
  });

  it('answers CONS_1000015 (403) when spId names another registered SP', async () => {
    const other = await onboardSp(gw);
    const res = await client.send(sendBody(sp, user, { spId: other.clientId }));
    expectCatalogError(res, 403, 'CONS_1000015');
    expect(res.body.desc.en).toBe(`spId [${other.clientId}] does not match the authenticated client.`);
    await expectNothingWritten();
  });
});

describe('transport errors on the consent routes', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;

  beforeAll(async () => {
    // No workers: nothing moves in the background, so row counts before and after are exact.
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers REQ_1000004 (404) for an unknown route, naming it', async () => {
    const res = await http(`${gw.url}/api/v1/consent/transaction/sendd?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 404,
      body: {
        code: 'REQ_1000004',
        desc: { en: 'Route [POST /api/v1/consent/transaction/sendd] is not found.', ar: 'المسار [POST /api/v1/consent/transaction/sendd] غير موجود.' },
      },
    });
  });

  it('answers REQ_1000004 for GET on a POST-only route', async () => {
    expectCatalogError(await http(`${gw.url}/api/v1/consent/transaction/send`), 404, 'REQ_1000004');
  });

  it.each([['{"identifier":'], ['not json'], ['{"a":1}{'], ['']])('answers REQ_1000001 (400) for the body %p', async (raw) => {
    const res = await client.send(undefined, { rawBody: raw });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { code: 'REQ_1000001', desc: { en: 'The request body is not valid JSON.', ar: 'محتوى الطلب ليس بصيغة JSON صالحة.' } },
    });
    expect((await consentRowCounts(gw)).consent_transactions).toBe(0);
  });

  it('answers REQ_1000001 for a body that tries prototype pollution', async () => {
    const raw = JSON.stringify(sendBody(sp, user)).replace('{', '{"__proto__":{"polluted":true},');
    expectCatalogError(await client.send(undefined, { rawBody: raw }), 400, 'REQ_1000001');
  });

  it.each([['text/plain'], ['application/xml'], ['multipart/form-data; boundary=x'], ['application/x-www-form-urlencoded']])(
    'answers REQ_1000003 (415) for content type %s',
    async (contentType) => {
      const res = await client.send(sendBody(sp, user), { headers: { 'content-type': contentType } });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 415,
        body: {
          code: 'REQ_1000003',
          desc: { en: 'Unsupported content type; expected [application/json].', ar: 'نوع المحتوى غير مدعوم؛ المتوقع [application/json].' },
        },
      });
      expect((await consentRowCounts(gw)).consent_transactions).toBe(0);
    },
  );

  it('answers REQ_1000002 (413) for a body over the limit', async () => {
    const body = sendBody(sp, user, { purpose: 'x'.repeat(gw.config.bodyLimitBytes) });
    const res = await client.send(body);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 413,
      body: {
        code: 'REQ_1000002',
        desc: { en: `The request body is larger than ${gw.config.bodyLimitBytes} bytes.`, ar: `حجم محتوى الطلب أكبر من ${gw.config.bodyLimitBytes} بايت.` },
      },
    });
    expect((await consentRowCounts(gw)).consent_transactions).toBe(0);
  });

  it('answers a catalog code, not a 500, for a JSON body that is not an object', async () => {
    for (const raw of ['null', '[]', '"text"', '42', 'true']) {
      const res = await client.send(undefined, { rawBody: raw });
      expectCatalogError(res, 400, 'CONS_1000007');
      expect(res.body.desc.en).toBe('Field [body] is missing or invalid: it must be an object');
    }
  });
});
