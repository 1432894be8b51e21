import type { Gateway } from '../support/gateway';
import { createUser, expectCatalogError, onboardSp, sendBody, SpClient, SpCredentials, startWithSpAndUser, TestUser } from '../support/clients';
import { consentRowCounts, ConsentRowCounts } from '../support/consent-rows';
import { withEmiratesIdCheckDigit } from '../../src/consent/identifier-rules';
import { SpDirectory } from '../../src/service-providers/sp-directory.service';

/** The seed's field list for send: what is mandatory, what is optional, what each field may hold. */
describe('POST /api/v1/consent/transaction/send: field rules', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let requester: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let before: ConsentRowCounts;

  beforeAll(async () => {
    // No workers: nothing moves in the background, so row counts before and after are exact.
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false' }));
    requester = await onboardSp(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });
  beforeEach(async () => {
    before = await consentRowCounts(gw);
  });

  async function expectNothingWritten(): Promise<void> {
    expect(await consentRowCounts(gw)).toEqual(before);
  }

  async function expectRefused(body: unknown, status: number, code: string, en?: string): Promise<void> {
    const res = await client.send(body);
    expectCatalogError(res, status, code);
    if (en) expect(res.body.desc.en).toBe(en);
    await expectNothingWritten();
  }

  async function storedRow(uaePassTransactionID: string) {
    const { rows } = await gw.db.query(`SELECT * FROM consent_transactions WHERE id = $1`, [uaePassTransactionID]);
    return rows[0];
  }

  const peerToPeer = (overrides: Record<string, unknown> = {}) => {
    const body: Record<string, unknown> = sendBody(sp, user, {
      requestType: 'peerToPeer',
      requestor: { name: 'Omar Khalid', nameAr: 'عمر خالد', identifier: 'B7654321', idType: 'PASSPORT', additionalInfo: { relation: 'landlord' } },
    });
    delete body.requestedById;
    return { ...body, ...overrides };
  };

  describe('mandatory and optional fields', () => {
    it('accepts the minimal body: no purpose, purposeAr, requestType or requestor (requestType defaults to spToSp)', async () => {
      const body: Record<string, unknown> = sendBody(sp, user, { requestedById: requester.clientId });
      for (const optional of ['purpose', 'purposeAr', 'requestType']) delete body[optional];
      const res = await client.send(body);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 201,
        body: { uaePassTransactionID: expect.stringMatching(/^[0-9a-f-]{36}$/), transactionStatus: 'TRIGGERED', spTransactionID: body.spTransactionID },
      });
      const row = await storedRow(res.body.uaePassTransactionID);
      expect(row).toMatchObject({
        request_type: 'spToSp',
        requested_by_id: requester.clientId,
        purpose: null,
        purpose_ar: null,
        status: 'TRIGGERED',
        user_id: user.id,
      });
      const events = await gw.db.query(`SELECT from_status, to_status, actor FROM consent_events WHERE transaction_id = $1`, [row.id]);
      expect(events.rows).toEqual([{ from_status: null, to_status: 'TRIGGERED', actor: `sp:${sp.clientId}` }]);
      const outbox = await gw.db.query(`SELECT topic FROM outbox WHERE transaction_id = $1`, [row.id]);
      expect(outbox.rows).toEqual([{ topic: 'push' }]);
    });

    it('stores every document with its metadata, in order', async () => {
      const body = sendBody(sp, user, {
        content: {
          documents: [
            { name: 'Passport', nameAr: 'جواز السفر', type: 'PASSPORT', typeAr: 'جواز', metadata: [{ displayName: 'Number', displayNameAr: 'الرقم' }] },
            {
              name: 'Emirates ID',
              nameAr: 'الهوية',
              type: 'EMIRATES_ID',
              typeAr: 'هوية',
              metadata: [{ displayName: 'Name', displayNameAr: 'الاسم' }],
              mustBeAccepted: true,
            },
          ],
        },
      });
      const res = await client.send(body);
      expect(res.status).toBe(201);
      const docs = await gw.db.query(
        `SELECT position, name, name_ar, type, type_ar, metadata, must_be_accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`,
        [res.body.uaePassTransactionID],
      );
      expect(docs.rows).toEqual([
        {
          position: 0,
          name: 'Passport',
          name_ar: 'جواز السفر',
          type: 'PASSPORT',
          type_ar: 'جواز',
          metadata: [{ displayName: 'Number', displayNameAr: 'الرقم' }],
          must_be_accepted: false,
        },
        {
          position: 1,
          name: 'Emirates ID',
          name_ar: 'الهوية',
          type: 'EMIRATES_ID',
          type_ar: 'هوية',
          metadata: [{ displayName: 'Name', displayNameAr: 'الاسم' }],
          must_be_accepted: true,
        },
      ]);
    });

    it.each(['spId', 'spTransactionID', 'content'])('refuses a body without %s (CONS_1000007 naming it)', async (field) => {
      const body: Record<string, unknown> = sendBody(sp, user);
      delete body[field];
      await expectRefused(body, 400, 'CONS_1000007', `Field [${field}] is missing or invalid: it is mandatory`);
    });

    it.each([
      ['spTransactionID', ''],
      ['spTransactionID', 42],
      ['spTransactionID', 'x'.repeat(129)],
      ['spId', ''],
      ['purpose', 7],
      ['purposeAr', 'ع'.repeat(1001)],
      ['requestType', 'p2p'],
      ['requestType', 'SPTOSP'],
      ['requestor', 'Omar'],
      ['content', []],
      ['content', 'documents'],
    ])('refuses %s = %p with CONS_1000007 naming the field', async (field, value) => {
      const res = await client.send(sendBody(sp, user, { [field]: value }));
      expectCatalogError(res, 400, 'CONS_1000007');
      expect(res.body.desc.en).toMatch(new RegExp(`^Field \\[${field}\\] is missing or invalid: `));
      expect(res.body.desc.ar).toMatch(new RegExp(`^الحقل \\[${field}\\] مفقود أو غير صالح: `));
      await expectNothingWritten();
    });

    it('ignores fields the seed does not define (an SP may send more)', async () => {
      const res = await client.send(sendBody(sp, user, { channel: 'web', extra: { a: 1 } }));
      expect(res.status).toBe(201);
    });
  });

  describe('content.documents and metadata', () => {
    const doc = { name: 'Emirates ID', nameAr: 'الهوية', type: 'EMIRATES_ID', typeAr: 'هوية', metadata: [{ displayName: 'Name', displayNameAr: 'الاسم' }] };
    it.each([
      ['content.documents', { documents: [] }],
      ['content.documents', {}],
      ['content.documents', { documents: 'EMIRATES_ID' }],
      ['content.documents', { documents: ['EMIRATES_ID'] }],
      ['content.documents', { documents: [[]] }],
      ['content.documents[0].metadata', { documents: [{ ...doc, metadata: [[{ displayName: 'a', displayNameAr: 'b' }]] }] }],
      ['content.documents[0].name', { documents: [{ ...doc, name: undefined }] }],
      ['content.documents[0].nameAr', { documents: [{ ...doc, nameAr: '' }] }],
      ['content.documents[0].type', { documents: [{ ...doc, type: 3 }] }],
      ['content.documents[0].typeAr', { documents: [{ ...doc, typeAr: null }] }],
      ['content.documents[0].metadata', { documents: [{ ...doc, metadata: [] }] }],
      ['content.documents[0].metadata', { documents: [{ ...doc, metadata: undefined }] }],
      ['content.documents[0].metadata[0].displayName', { documents: [{ ...doc, metadata: [{ displayNameAr: 'الاسم' }] }] }],
      ['content.documents[0].metadata[0].displayNameAr', { documents: [{ ...doc, metadata: [{ displayName: 'Name', displayNameAr: '' }] }] }],
      ['content.documents[1].mustBeAccepted', { documents: [doc, { ...doc, type: 'PASSPORT', mustBeAccepted: 'yes' }] }],
      ['content.documents[1].type', { documents: [doc, { ...doc }] }],
    ])('refuses a bad %s with CONS_1000007 naming it', async (field, content) => {
      const res = await client.send(sendBody(sp, user, { content }));
      expectCatalogError(res, 400, 'CONS_1000007');
      expect(res.body.desc.en.startsWith(`Field [${field}] is missing or invalid: `)).toBe(true);
      await expectNothingWritten();
    });
  });

  describe('requestType spToSp: requestedById', () => {
    it('refuses spToSp without requestedById (CONS_1000009)', async () => {
      const body: Record<string, unknown> = sendBody(sp, user);
      delete body.requestedById;
      await expectRefused(body, 400, 'CONS_1000009', 'requestedById is mandatory for requestType [spToSp] and not applicable for [peerToPeer].');
    });

    it('refuses the default requestType without requestedById too', async () => {
      const body: Record<string, unknown> = sendBody(sp, user);
      delete body.requestedById;
      delete body.requestType;
      await expectRefused(body, 400, 'CONS_1000009');
    });

    it('refuses a requestedById that is not a registered SP (CONS_1000012 naming it)', async () => {
      await expectRefused(sendBody(sp, user, { requestedById: 'nobody_sp' }), 404, 'CONS_1000012', 'Service Provider [nobody_sp] is not found.');
    });

    it('refuses a disabled requesting SP (CONS_1000016)', async () => {
      const disabled = await onboardSp(gw);
      await gw.db.query(`UPDATE service_providers SET disabled = true WHERE client_id = $1`, [disabled.clientId]);
      await gw.app.get(SpDirectory).invalidate(disabled.clientId);
      await expectRefused(
        sendBody(sp, user, { requestedById: disabled.clientId }),
        403,
        'CONS_1000016',
        `Service Provider [${disabled.clientId}] is disabled.`,
      );
    });

    it('stores a registered requesting SP', async () => {
      const res = await client.send(sendBody(sp, user, { requestedById: requester.clientId }));
      expect(res.status).toBe(201);
      expect((await storedRow(res.body.uaePassTransactionID)).requested_by_id).toBe(requester.clientId);
    });
  });

  describe('requestType peerToPeer: requestor', () => {
    it('accepts a complete requestor and keeps its identifier and additionalInfo encrypted', async () => {
      const res = await client.send(peerToPeer());
      expect(res.status).toBe(201);
      const row = await storedRow(res.body.uaePassTransactionID);
      expect(row).toMatchObject({
        request_type: 'peerToPeer',
        requested_by_id: null,
        requestor_name: 'Omar Khalid',
        requestor_name_ar: 'عمر خالد',
        requestor_id_type: 'PASSPORT',
      });
      expect(row.requestor_enc).toEqual(expect.any(String));
      expect(row.requestor_enc).not.toContain('B7654321');
      expect(row.requestor_enc).not.toContain('landlord');
    });

    it('accepts a requestor without additionalInfo (it is optional)', async () => {
      const body = peerToPeer();
      delete (body.requestor as Record<string, unknown>).additionalInfo;
      expect((await client.send(body)).status).toBe(201);
    });

    it('refuses peerToPeer without requestor (CONS_1000008)', async () => {
      const body = peerToPeer();
      delete body.requestor;
      await expectRefused(body, 400, 'CONS_1000008', 'requestor with name, nameAr, identifier and idType is mandatory for requestType [peerToPeer].');
    });

    it.each(['name', 'nameAr', 'identifier', 'idType'])('refuses peerToPeer whose requestor lacks %s (CONS_1000008)', async (field) => {
      const body = peerToPeer();
      delete (body.requestor as Record<string, unknown>)[field];
      await expectRefused(body, 400, 'CONS_1000008');
    });

    it('refuses a requestor.idType outside the seed values (CONS_1000007)', async () => {
      const body = peerToPeer();
      (body.requestor as Record<string, unknown>).idType = 'DRIVING_LICENCE';
      await expectRefused(body, 400, 'CONS_1000007', 'Field [requestor.idType] is missing or invalid: it has an unexpected value');
    });

    it('refuses a requestor identifier that is not valid for its idType (UMS_VAL_025)', async () => {
      const body = peerToPeer();
      (body.requestor as Record<string, unknown>).identifier = '784-1990-1234567-0';
      (body.requestor as Record<string, unknown>).idType = 'EMIRATES_ID';
      await expectRefused(body, 400, 'UMS_VAL_025');
    });

    it('refuses an additionalInfo that is not an object (CONS_1000007)', async () => {
      const body = peerToPeer();
      (body.requestor as Record<string, unknown>).additionalInfo = ['a'];
      await expectRefused(body, 400, 'CONS_1000007', 'Field [requestor.additionalInfo] is missing or invalid: it must be an object');
    });

    it('refuses requestedById on peerToPeer, where it is not applicable (CONS_1000009)', async () => {
      await expectRefused(peerToPeer({ requestedById: requester.clientId }), 400, 'CONS_1000009');
    });
  });

  describe('identifiers', () => {
    const digits = (dashed: string) => dashed.replace(/-/g, '');

    it('finds the user by an Emirates ID with or without dashes', async () => {
      for (const identifier of [user.emiratesId, digits(user.emiratesId)]) {
        const res = await client.send(sendBody(sp, user, { identifier }));
        expect(res.status).toBe(201);
        expect((await storedRow(res.body.uaePassTransactionID)).user_id).toBe(user.id);
      }
    });

    it.each([
      ['a wrong Luhn check digit', (eid: string) => eid.slice(0, -1) + ((Number(eid.slice(-1)) + 1) % 10)],
      ['a prefix other than 784', (eid: string) => '785' + eid.slice(3)],
      ['dashes in the wrong places', (eid: string) => digits(eid).slice(0, 5) + '-' + digits(eid).slice(5)],
      ['only some dashes', (eid: string) => '784-' + digits(eid).slice(3)],
      ['a digit too many', (eid: string) => digits(eid) + '0'],
      ['a digit too few', (eid: string) => digits(eid).slice(0, 14)],
      ['letters', (eid: string) => eid.replace('784', 'ABC')],
    ])('refuses an Emirates ID with %s (UMS_VAL_025)', async (_what, mangle) => {
      await expectRefused(sendBody(sp, user, { identifier: mangle(user.emiratesId) }), 400, 'UMS_VAL_025', 'invalid identifier');
    });

    it('accepts passports and GCC ID cards in their formats', async () => {
      const passport = 'N' + String(Date.now()).slice(-7);
      const gcc = String(Date.now()).slice(-10);
      const holder = await createUser(gw, {
        documents: [
          { idDocType: 'PASSPORT', identifier: passport },
          { idDocType: 'GCC_NATIONAL_ID_CARDS', identifier: gcc },
        ],
      });
      expect((await client.send(sendBody(sp, holder, { idDocType: 'PASSPORT', identifier: passport.toLowerCase() }))).status).toBe(201);
      expect((await client.send(sendBody(sp, holder, { idDocType: 'GCC_NATIONAL_ID_CARDS', identifier: gcc }))).status).toBe(201);
    });

    it.each([
      ['PASSPORT', 'A12'],
      ['PASSPORT', 'A1234567890'],
      ['PASSPORT', 'A12-4567'],
      ['GCC_NATIONAL_ID_CARDS', '1234567'],
      ['GCC_NATIONAL_ID_CARDS', '1234567890123'],
      ['GCC_NATIONAL_ID_CARDS', '12345A789'],
      ['EMIRATES_ID', 'A1234567'],
    ])('refuses a %s number %p (UMS_VAL_025)', async (idDocType, identifier) => {
      await expectRefused(sendBody(sp, user, { idDocType, identifier }), 400, 'UMS_VAL_025');
    });

    it('answers 0001 for a well-formed Emirates ID nobody holds', async () => {
      const free = withEmiratesIdCheckDigit('78419000000001');
      await expectRefused(sendBody(sp, user, { identifier: free }), 404, '0001');
    });
  });
});
