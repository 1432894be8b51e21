import { createLocalJWKSet, jwtVerify } from 'jose';
import { Gateway, startGateway } from '../support/gateway';
import {
  appCall,
  createUser,
  decide,
  eventually,
  expectCatalogError,
  http,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  TestUser,
  userToken,
} from '../support/clients';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';

const DECISION_TYPE = 'application/vnd.muwafaqa.consent-decision+json';
const API_KEY = 'sp-callback-api-key-1234';

/** Two documents: the Emirates ID must be accepted, the salary certificate is optional. */
function twoDocuments() {
  return {
    documents: [
      {
        name: 'Emirates ID',
        nameAr: 'الهوية الإماراتية',
        type: 'EMIRATES_ID',
        typeAr: 'الهوية',
        metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
        mustBeAccepted: true,
      },
      {
        name: 'Salary certificate',
        nameAr: 'شهادة الراتب',
        type: 'SALARY_CERTIFICATE',
        typeAr: 'شهادة الراتب',
        metadata: [{ displayName: 'Monthly salary', displayNameAr: 'الراتب الشهري' }],
      },
    ],
  };
}

describe('the user decides: /app/v1/consents', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let token: string;
  const devices: AppDevice[] = [];

  /** A user with the app open (an 'sse' device listening), so pushes reach them. */
  async function appUser(): Promise<{ user: TestUser; token: string }> {
    const u = await createUser(gw);
    const t = await userToken(gw, u.id);
    devices.push(await connectAppDevice(gw, t));
    return { user: u, token: t };
  }

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway();
    sp = await onboardSp(gw, { callbackUrl: `${receiver.url}?tenant=a`, callbackApiKey: API_KEY });
    client = new SpClient(gw, sp);
    ({ user, token } = await appUser());
  });
  afterAll(async () => {
    devices.forEach((d) => d.close());
    await gw?.close();
    await receiver?.stop();
  });

  async function send(overrides: Record<string, unknown> = {}) {
    const body = sendBody(sp, user, overrides);
    const res = await client.send(body);
    expect(res.status).toBe(201);
    return { id: res.body.uaePassTransactionID as string, spTransactionID: body.spTransactionID as string };
  }

  async function snapshot(id: string) {
    const tx = await gw.db.query(`SELECT status, decided_at, receipt FROM consent_transactions WHERE id = $1`, [id]);
    const docs = await gw.db.query(`SELECT type, accepted FROM consent_documents WHERE transaction_id = $1 ORDER BY position`, [id]);
    const events = await gw.db.query(`SELECT count(*)::int AS n FROM consent_events WHERE transaction_id = $1`, [id]);
    const outbox = await gw.db.query(`SELECT count(*)::int AS n FROM outbox WHERE transaction_id = $1`, [id]);
    return { tx: tx.rows[0], docs: docs.rows, events: events.rows[0].n, outbox: outbox.rows[0].n };
  }

  describe('reading', () => {
    it('lists pending requests first and reads one in both languages, with the requesting SP', async () => {
      const decided = await send();
      expect((await decide(gw, token, decided.id, { accept: false })).status).toBe(200);
      const pending = await send({ content: twoDocuments() });

      const list = await appCall(gw, token, 'GET', '/app/v1/consents');
      expect(list.status).toBe(200);
      expect(list.body.items[0]).toMatchObject({ uaePassTransactionID: pending.id, spTransactionID: pending.spTransactionID, status: 'TRIGGERED' });
      expect(list.body.items.map((i: { uaePassTransactionID: string }) => i.uaePassTransactionID)).toContain(decided.id);

      const one = await appCall(gw, token, 'GET', `/app/v1/consents/${pending.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({
        uaePassTransactionID: pending.id,
        status: 'TRIGGERED',
        requestType: 'spToSp',
        requestingParty: { name: `SP ${sp.clientId}`, nameAr: `مقدم خدمة ${sp.clientId}` },
        purpose: 'Opening a bank account',
        purposeAr: 'فتح حساب مصرفي',
        documents: [
          { type: 'EMIRATES_ID', nameAr: 'الهوية الإماراتية', mustBeAccepted: true, metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }] },
          { type: 'SALARY_CERTIFICATE', mustBeAccepted: false },
        ],
      });
      expect(new Date(one.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    });

    it('shows a peerToPeer requestor by name only, never the identifier or additionalInfo', async () => {
      const other = await createUser(gw);
      const { id } = await send({
        requestType: 'peerToPeer',
        requestedById: undefined,
        requestor: {
          name: 'Omar Haddad',
          nameAr: 'عمر حداد',
          identifier: other.emiratesId,
          idType: 'EMIRATES_ID',
          additionalInfo: { secretNote: 'xyz-hidden' },
        },
      });
      const one = await appCall(gw, token, 'GET', `/app/v1/consents/${id}`);
      expect(one.status).toBe(200);
      expect(one.body.requestingParty).toEqual({ name: 'Omar Haddad', nameAr: 'عمر حداد' });
      expect(one.text).not.toContain(other.emiratesId);
      expect(one.text).not.toContain(other.emiratesId.replace(/-/g, ''));
      expect(one.text).not.toContain('xyz-hidden');
    });

    it('filters by status and pages with nextCursor without repeats', async () => {
      const { user: u, token: t } = await appUser();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await client.send(sendBody(sp, u));
        ids.push(res.body.uaePassTransactionID);
      }
      await decide(gw, t, ids[0], { accept: false });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await appCall(gw, t, 'GET', `/app/v1/consents?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((i: { uaePassTransactionID: string }) => i.uaePassTransactionID));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(seen[4]).toBe(ids[0]); // the decided one comes after every pending one
      expect(seen.slice(0, 4)).toEqual([ids[4], ids[3], ids[2], ids[1]]);

      const rejected = await appCall(gw, t, 'GET', '/app/v1/consents?status=REJECTED');
      expect(rejected.body.items.map((i: { uaePassTransactionID: string }) => i.uaePassTransactionID)).toEqual([ids[0]]);
      expectCatalogError(await appCall(gw, t, 'GET', '/app/v1/consents?status=MAYBE'), 400, 'CONS_1000007');
      expectCatalogError(await appCall(gw, t, 'GET', '/app/v1/consents?cursor=bm90LWEtY3Vyc29y'), 400, 'CONS_1000007');
    });

    it('refuses SP and admin tokens on /app/v1', async () => {
      const { access_token } = await client.tokenPair();
      expectCatalogError(await appCall(gw, access_token, 'GET', '/app/v1/consents'), 403, 'SEC_1000007');
      expectCatalogError(await http(`${gw.url}/app/v1/consents`), 401, 'SEC_1000042');
    });
  });

  describe('POST /app/v1/consents/{id}/decision', () => {
    it('accepts: ACCEPTED, every document flagged, a signed ACCEPTED callback, the status route agrees', async () => {
      const { id, spTransactionID } = await send();
      const res = await decide(gw, token, id, { accept: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ uaePassTransactionID: id, spTransactionID, status: 'ACCEPTED', documents: [{ type: 'EMIRATES_ID', accepted: true }] });

      const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id);
      expect(cb.rawBody).toBe(JSON.stringify({ spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id }));
      expect(cb.path).toBe('/api/v1/consent/transaction/callback?tenant=a');
      expect(isCorrectlySigned(cb, sp.signingSecret, API_KEY)).toBe(true);
      expect(isCorrectlySigned(cb, 'some-other-secret', API_KEY)).toBe(false);
      expect((await client.status(spTransactionID)).body.status).toBe('ACCEPTED');
      const snap = await snapshot(id);
      expect(snap.docs).toEqual([{ type: 'EMIRATES_ID', accepted: true }]);
      const attempts = await eventually(
        async () => (await gw.db.query(`SELECT attempt, status, status_code, delivered FROM callback_attempts WHERE transaction_id = $1`, [id])).rows[0],
      );
      expect(attempts).toEqual({ attempt: 1, status: 'ACCEPTED', status_code: 200, delivered: true });
    });

    it('rejects: REJECTED, nothing accepted, a REJECTED callback', async () => {
      const { id, spTransactionID } = await send();
      const res = await decide(gw, token, id, { accept: false });
      expect(res.body).toMatchObject({ status: 'REJECTED', documents: [{ type: 'EMIRATES_ID', accepted: false }], receipt: null });
      const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id);
      expect(cb.body).toEqual({ spTransactionID, status: 'REJECTED', uaePassTransactionID: id });
      expect((await snapshot(id)).tx.receipt).toBeNull();
    });

    it('rejecting a mustBeAccepted document rejects the whole request', async () => {
      const { id } = await send({ content: twoDocuments() });
      const res = await decide(gw, token, id, { accept: true, documents: [{ type: 'EMIRATES_ID', accept: false }] });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('REJECTED');
      const snap = await snapshot(id);
      expect(snap.tx.status).toBe('REJECTED');
      expect(snap.docs).toEqual([
        { type: 'EMIRATES_ID', accepted: false },
        { type: 'SALARY_CERTIFICATE', accepted: false },
      ]);
      const event = await gw.db.query(`SELECT actor, detail FROM consent_events WHERE transaction_id = $1 AND to_status = 'REJECTED'`, [id]);
      expect(event.rows[0]).toMatchObject({ actor: `user:${user.id}`, detail: { mandatoryRejected: ['EMIRATES_ID'] } });
      await receiver.waitFor((c) => c.body.uaePassTransactionID === id && c.body.status === 'REJECTED');
    });

    it('accepting with an optional document rejected is ACCEPTED with per-document flags', async () => {
      const { id } = await send({ content: twoDocuments() });
      const res = await decide(gw, token, id, { accept: true, documents: [{ type: 'SALARY_CERTIFICATE', accept: false }] });
      expect(res.body).toMatchObject({
        status: 'ACCEPTED',
        documents: [
          { type: 'EMIRATES_ID', accepted: true },
          { type: 'SALARY_CERTIFICATE', accepted: false },
        ],
      });
      expect((await snapshot(id)).docs).toEqual([
        { type: 'EMIRATES_ID', accepted: true },
        { type: 'SALARY_CERTIFICATE', accepted: false },
      ]);
    });

    it('deciding twice answers CONS_1000011 naming the status, and changes nothing', async () => {
      const { id, spTransactionID } = await send();
      await decide(gw, token, id, { accept: true });
      const before = await snapshot(id);
      const again = await decide(gw, token, id, { accept: false });
      expectCatalogError(again, 409, 'CONS_1000011');
      expect(again.body.desc.en).toContain(spTransactionID);
      expect(again.body.desc.en).toContain('ACCEPTED');
      expect(await snapshot(id)).toEqual(before);
    });

    it('deciding after expiry answers CONS_1000013 and changes nothing', async () => {
      const { id } = await send();
      await gw.db.query(`UPDATE consent_transactions SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      const res = await decide(gw, token, id, { accept: true });
      expectCatalogError(res, 409, 'CONS_1000013');
      const snap = await snapshot(id);
      expect(['TRIGGERED', 'EXPIRED']).toContain(snap.tx.status); // the sweeper may have recorded it meanwhile
      expect(snap.tx.decided_at).toBeNull();
      expect(snap.docs.every((d: { accepted: boolean | null }) => d.accepted === null)).toBe(true);
    });

    it("another user's request answers exactly like a missing one (CONS_1000019), and changes nothing", async () => {
      const { id } = await send();
      const stranger = await createUser(gw);
      const strangerToken = await userToken(gw, stranger.id);
      const before = await snapshot(id);
      const theirs = await decide(gw, strangerToken, id, { accept: true });
      const missing = await decide(gw, strangerToken, '00000000-0000-4000-8000-000000000000', { accept: true });
      expectCatalogError(theirs, 404, 'CONS_1000019');
      expectCatalogError(missing, 404, 'CONS_1000019');
      expect(theirs.body.desc.en.replace(id, 'X')).toBe(missing.body.desc.en.replace('00000000-0000-4000-8000-000000000000', 'X'));
      expectCatalogError(await appCall(gw, strangerToken, 'GET', `/app/v1/consents/${id}`), 404, 'CONS_1000019');
      expectCatalogError(await appCall(gw, strangerToken, 'GET', `/app/v1/consents/${id}/history`), 404, 'CONS_1000019');
      expectCatalogError(await appCall(gw, strangerToken, 'POST', `/app/v1/consents/${id}/revoke`), 404, 'CONS_1000019');
      expectCatalogError(await appCall(gw, strangerToken, 'GET', '/app/v1/consents/not-a-uuid'), 404, 'CONS_1000019');
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses any other media type with 415 REQ_1000003 naming the decision type, and changes nothing', async () => {
      const { id } = await send();
      const before = await snapshot(id);
      for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        const res = await decide(gw, token, id, type === 'application/x-www-form-urlencoded' ? 'accept=true' : { accept: true }, type);
        expectCatalogError(res, 415, 'REQ_1000003');
        expect(res.body.desc.en).toContain(DECISION_TYPE);
        expect(res.body.desc.ar).toContain(DECISION_TYPE);
      }
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses malformed decisions with catalog codes, and changes nothing', async () => {
      const { id } = await send();
      const before = await snapshot(id);
      expectCatalogError(await decide(gw, token, id, {}), 400, 'CONS_1000007');
      expectCatalogError(await decide(gw, token, id, { accept: 'yes' }), 400, 'CONS_1000007');
      expectCatalogError(await decide(gw, token, id, { accept: true, documents: [{ type: 'PASSPORT', accept: true }] }), 400, 'CONS_1000018');
      expectCatalogError(
        await decide(gw, token, id, {
          accept: true,
          documents: [
            { type: 'EMIRATES_ID', accept: true },
            { type: 'EMIRATES_ID', accept: false },
          ],
        }),
        400,
        'CONS_1000007',
      );
      expect(await snapshot(id)).toEqual(before);
    });
  });

  describe('POST /app/v1/consents/{id}/revoke', () => {
    it('revokes an accepted consent: REVOKED, a signed REVOKED callback, history shows every step', async () => {
      const { id, spTransactionID } = await send();
      await decide(gw, token, id, { accept: true });
      await receiver.waitFor((c) => c.body.uaePassTransactionID === id && c.body.status === 'ACCEPTED');
      const res = await appCall(gw, token, 'POST', `/app/v1/consents/${id}/revoke`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ uaePassTransactionID: id, spTransactionID, status: 'REVOKED' });
      const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id && c.body.status === 'REVOKED');
      expect(cb.rawBody).toBe(JSON.stringify({ spTransactionID, status: 'REVOKED', uaePassTransactionID: id }));
      expect(isCorrectlySigned(cb, sp.signingSecret, API_KEY)).toBe(true);
      expect((await client.status(spTransactionID)).body.status).toBe('REVOKED');

      const history = await appCall(gw, token, 'GET', `/app/v1/consents/${id}/history`);
      expect(history.body.items.map((e: { from: string | null; to: string; actor: string }) => [e.from, e.to, e.actor])).toEqual([
        [null, 'TRIGGERED', 'sp'],
        ['TRIGGERED', 'ACCEPTED', 'user'],
        ['ACCEPTED', 'REVOKED', 'user'],
      ]);
      expectCatalogError(await appCall(gw, token, 'POST', `/app/v1/consents/${id}/revoke`), 409, 'CONS_1000014');
    });

    it('refuses to revoke a pending request (CONS_1000014)', async () => {
      const { id } = await send();
      const res = await appCall(gw, token, 'POST', `/app/v1/consents/${id}/revoke`);
      expectCatalogError(res, 409, 'CONS_1000014');
      expect((await snapshot(id)).tx.status).toBe('TRIGGERED');
    });
  });

  describe('signed receipts', () => {
    it('verifies offline with the public JWKS and fails when one byte changes', async () => {
      const { id, spTransactionID } = await send({ content: twoDocuments() });
      await decide(gw, token, id, { accept: true, documents: [{ type: 'SALARY_CERTIFICATE', accept: false }] });

      const mine = await appCall(gw, token, 'GET', `/app/v1/consents/${id}/receipt`);
      expect(mine.status).toBe(200);
      const spCopy = await client.post('/api/v1/consent/transaction/receipt', { spTransactionID, spId: sp.clientId });
      expect(spCopy.status).toBe(200);
      expect(spCopy.body.receipt).toBe(mine.body.receipt);

      const jwks = await http(`${gw.url}/.well-known/jwks.json`);
      const keySet = createLocalJWKSet(jwks.body);
      const { payload, protectedHeader } = await jwtVerify(mine.body.receipt, keySet, { issuer: gw.config.publicUrl, audience: sp.clientId });
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(protectedHeader.kid);
      expect(payload).toMatchObject({
        receipt_type: 'muwafaqa-consent-receipt/v1',
        txn: id,
        sp_transaction_id: spTransactionID,
        data_owner: sp.clientId,
        requester: { type: 'spToSp', spId: sp.clientId },
        purpose: { en: 'Opening a bank account', ar: 'فتح حساب مصرفي' },
        documents_accepted: ['EMIRATES_ID'],
        documents_rejected: ['SALARY_CERTIFICATE'],
      });
      expect(typeof payload.consented_at).toBe('string');
      // Pseudonymous: neither the profile id nor the Emirates ID appears.
      expect(payload.sub).not.toBe(user.id);
      expect(Buffer.from(mine.body.receipt.split('.')[1], 'base64url').toString()).not.toContain(user.emiratesId.replace(/-/g, '').slice(3));

      // Change one byte of the payload segment: the signature no longer verifies.
      const [h, p, s] = mine.body.receipt.split('.');
      const bytes = Buffer.from(p, 'base64url');
      bytes[bytes.length - 2] ^= 0x01;
      const tampered = [h, bytes.toString('base64url'), s].join('.');
      await expect(jwtVerify(tampered, keySet, { issuer: gw.config.publicUrl })).rejects.toThrow();
    });

    it('answers CONS_1000020 when there is no receipt (not accepted)', async () => {
      const { id, spTransactionID } = await send();
      expectCatalogError(await appCall(gw, token, 'GET', `/app/v1/consents/${id}/receipt`), 409, 'CONS_1000020');
      expectCatalogError(await client.post('/api/v1/consent/transaction/receipt', { spTransactionID, spId: sp.clientId }), 409, 'CONS_1000020');
      expectCatalogError(await client.post('/api/v1/consent/transaction/receipt', { spTransactionID: 'nope', spId: sp.clientId }), 404, 'CONS_1000010');
    });
  });
});
