import { decodeProtectedHeader, decodeJwt } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import {
  adminCall,
  appCall,
  createUser,
  decide,
  eventually,
  expectCatalogError,
  http,
  newEmiratesId,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  startWithSpAndUser,
  TestUser,
  userToken,
} from '../support/clients';
import { consentRowCounts } from '../support/consent-rows';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { Gateway } from '../support/gateway';
import { RetentionService } from '../../src/privacy/retention.service';
import { checkConsistency } from '../../src/consent/consistency-checker';

const API_KEY = 'standing-test-callback-key';
const DAY = 86_400_000;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const STATEMENT = {
  statement: 'I agree that the bank may read my Emirates ID and salary certificate to open and keep my account.',
  statementAr: 'أوافق على أن يطلع البنك على هويتي الإماراتية وشهادة راتبي لفتح حسابي والحفاظ عليه.',
  termsUrl: 'https://bank.example/privacy/v3',
};

const doc = (type: string, name: string, nameAr: string) => ({
  name,
  nameAr,
  type,
  typeAr: nameAr,
  metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
});
const EMIRATES_ID = doc('EMIRATES_ID', 'Emirates ID', 'الهوية الإماراتية');
const SALARY = doc('SALARY_CERTIFICATE', 'Salary certificate', 'شهادة الراتب');
const PASSPORT = doc('PASSPORT_COPY', 'Passport copy', 'نسخة جواز السفر');
const TENANCY = doc('TENANCY_CONTRACT', 'Tenancy contract', 'عقد الإيجار');

describe('consent statement, terms and standing consent (issue 21)', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;
  let token: string;
  let requester: SpCredentials;
  let fcm: FakeFcm;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    fcm = await new FakeFcm().start();
    receiver = await new CallbackReceiver().start();
    ({ gw, sp, client, user } = await startWithSpAndUser({ ...fcm.env(), BACKOFF_BASE_MS: '20' }));
    const patched = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { callbackUrl: receiver.url, callbackApiKey: API_KEY });
    expect(patched.status).toBe(200);
    requester = await onboardSp(gw, { name: 'Dubai Insurance', nameAr: 'تأمين دبي' });
    token = await userToken(gw, user.id);
    await registerFcm(token);
  });
  afterAll(async () => {
    await gw?.close();
    await fcm?.stop();
    await receiver?.stop();
  });

  async function registerFcm(userToken_: string) {
    const res = await http(`${gw.url}/app/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken_}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'fcm', pushToken: `fcm-${randomBytes(16).toString('base64url')}`, locale: 'en' }),
    });
    expect(res.status).toBe(201);
  }

  const pushesFor = (id: string) => fcm.sends.filter((s) => s.message.data.uaePassTransactionID === id).length;

  function body(overrides: Record<string, unknown> = {}, documents = [EMIRATES_ID, SALARY], forUser = user) {
    return sendBody(sp, forUser, { requestedById: requester.clientId, content: { documents }, ...overrides });
  }

  /** Sends, sees the push reach the fake FCM, and the user accepts: a standing consent when the body has validUntil. */
  async function askAndAccept(b: Record<string, unknown>, as = token, c = client) {
    const sent = await c.send(b);
    expect(sent.status).toBe(201);
    expect(sent.body.transactionStatus).toBe('TRIGGERED');
    const id: string = sent.body.uaePassTransactionID;
    await eventually(async () => pushesFor(id) > 0, 5000, 'the push');
    const decided = await decide(gw, as, id, { accept: true });
    expect(decided.status).toBe(200);
    return { id, receipt: decided.body.receipt as string };
  }

  /** The send was not answered from a standing consent: it waits for the user, and the user was pushed. */
  async function expectAsked(b: Record<string, unknown>, c = client) {
    const sent = await c.send(b);
    expect(sent.status).toBe(201);
    expect(sent.body.transactionStatus).toBe('TRIGGERED');
    await eventually(async () => pushesFor(sent.body.uaePassTransactionID) > 0, 5000, 'the push');
    return sent.body.uaePassTransactionID as string;
  }

  const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

  describe('statement and terms', () => {
    it('stores them, shows them to the user in both languages, and binds their SHA-256 in the receipt', async () => {
      const b = body({ consent: STATEMENT });
      const sent = await client.send(b);
      expect(sent.status).toBe(201);
      expect(Object.keys(sent.body)).toEqual(['uaePassTransactionID', 'transactionStatus', 'spTransactionID']);
      const id = sent.body.uaePassTransactionID;
      const shown = await appCall(gw, token, 'GET', `/app/v1/consents/${id}`);
      expect(shown.body.consent).toEqual(STATEMENT);
      expect(shown.body.validUntil).toBeUndefined();

      const decided = await decide(gw, token, id, { accept: true });
      const claims = decodeJwt(decided.body.receipt);
      expect(claims.consent_statement).toEqual({
        statement_sha256: sha256(STATEMENT.statement),
        statement_ar_sha256: sha256(STATEMENT.statementAr),
        terms_url: STATEMENT.termsUrl,
        terms_url_sha256: sha256(STATEMENT.termsUrl),
      });
      expect(claims.standing_until).toBeUndefined();
      expect(decodeProtectedHeader(decided.body.receipt).alg).toBe('ES256');
    });

    it('leaves a request without them exactly as before: no new keys in the app, none in the receipt', async () => {
      const sent = await client.send(body());
      const id = sent.body.uaePassTransactionID;
      const shown = await appCall(gw, token, 'GET', `/app/v1/consents/${id}`);
      for (const key of ['consent', 'validUntil', 'standingConsentId']) expect(shown.body).not.toHaveProperty(key);
      const decided = await decide(gw, token, id, { accept: true });
      const claims = decodeJwt(decided.body.receipt);
      for (const key of ['consent_statement', 'standing_until', 'standing_consent']) expect(claims).not.toHaveProperty(key);
      const { rows } = await gw.db.query(`SELECT consent_terms FROM consent_transactions WHERE id = $1`, [id]);
      expect(rows[0].consent_terms).toBeNull();
      expect((await gw.db.query(`SELECT count(*)::int AS n FROM standing_consents WHERE id = $1`, [id])).rows[0].n).toBe(0);
    });
  });

  describe('standing consent', () => {
    // A user of its own per test: standing consents of one test must not answer another's sends.
    beforeEach(async () => {
      user = await createUser(gw);
      token = await userToken(gw, user.id);
      await registerFcm(token);
    });

    it('answers a later send inside the rules at once: ACCEPTED, no push, its own row, an event and a receipt naming the standing consent, the SP called back', async () => {
      const validUntil = inDays(30);
      const first = await askAndAccept(body({ validUntil, consent: STATEMENT }));
      const shown = await appCall(gw, token, 'GET', `/app/v1/consents/${first.id}`);
      expect(shown.body.validUntil).toBe(validUntil);
      expect(decodeJwt(first.receipt).standing_until).toBe(validUntil);

      const pushesBefore = fcm.sends.length;
      const again = body({}, [SALARY]); // a subset of what was accepted
      const sent = await client.send(again);
      expect(sent.status).toBe(201);
      expect(sent.body).toEqual({ uaePassTransactionID: expect.any(String), transactionStatus: 'ACCEPTED', spTransactionID: again.spTransactionID });
      const id = sent.body.uaePassTransactionID;
      expect(id).not.toBe(first.id);
      expect((await client.status(again.spTransactionID)).body.status).toBe('ACCEPTED');

      const { rows: events } = await gw.db.query(`SELECT from_status, to_status, actor, detail FROM consent_events WHERE transaction_id = $1 ORDER BY id`, [
        id,
      ]);
      expect(events.map((e) => [e.from_status, e.to_status])).toEqual([
        [null, 'TRIGGERED'],
        ['TRIGGERED', 'ACCEPTED'],
      ]);
      expect(events[1].actor).toBe(`standing:${first.id}`);
      expect(events[1].detail).toMatchObject({ standingConsent: first.id });
      const { rows: tx } = await gw.db.query(`SELECT standing_consent_id, receipt FROM consent_transactions WHERE id = $1`, [id]);
      expect(tx[0].standing_consent_id).toBe(first.id);
      const claims = decodeJwt(tx[0].receipt);
      expect(claims.standing_consent).toEqual({ txn: first.id, receipt_sha256: sha256(first.receipt) });
      expect(claims.documents_accepted).toEqual(['SALARY_CERTIFICATE']);
      // What the user agreed to is the original wording, bound again.
      expect((claims.consent_statement as { statement_sha256: string }).statement_sha256).toBe(sha256(STATEMENT.statement));

      const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
      expect(cb.body).toEqual({ spTransactionID: again.spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id });
      // No push for it, then or later.
      const { rows: outbox } = await gw.db.query(`SELECT topic FROM outbox WHERE transaction_id = $1 ORDER BY id`, [id]);
      expect(outbox.map((o) => o.topic)).toEqual(['callback']);
      expect(pushesFor(id)).toBe(0);
      expect(fcm.sends.length).toBe(pushesBefore);

      // The consistency checker finds nothing wrong with a request that was never pushed.
      const report = await checkConsistency(gw.db, { pendingOlderThanSeconds: 60 });
      expect(report.problems.filter((p) => p.transactionId === id || p.transactionId === first.id)).toEqual([]);

      // A repeat of that spTransactionID is answered as any decided one.
      expectCatalogError(await client.send(again), 409, 'CONS_1000011');
      // /validate says what send would answer.
      const validated = await client.validate(body({}, [EMIRATES_ID]));
      expect(validated.body).toMatchObject({ valid: true, transactionStatus: 'ACCEPTED' });
      expect((await client.validate(body({}, [PASSPORT]))).body).toMatchObject({ valid: true, transactionStatus: 'TRIGGERED' });

      const listed = await appCall(gw, token, 'GET', '/app/v1/standing-consents');
      const mine = listed.body.items.find((s: { id: string }) => s.id === first.id);
      expect(mine).toMatchObject({
        status: 'ACTIVE',
        validUntil,
        requestingParty: { name: 'Dubai Insurance', nameAr: 'تأمين دبي' },
        documents: [
          { type: 'EMIRATES_ID', name: 'Emirates ID', nameAr: 'الهوية الإماراتية' },
          { type: 'SALARY_CERTIFICATE', name: 'Salary certificate', nameAr: 'شهادة الراتب' },
        ],
        consent: STATEMENT,
        timesRelied: 1,
      });
    });

    it('asks the user for anything outside the rules: another recipient, an extra document, another SP, another user, a different statement', async () => {
      const validUntil = inDays(10);
      await askAndAccept(body({ validUntil }, [EMIRATES_ID]));
      const other = await onboardSp(gw, { name: 'Other bank', nameAr: 'بنك آخر' });
      await expectAsked(body({ requestedById: other.clientId }, [EMIRATES_ID]));
      await expectAsked(body({}, [EMIRATES_ID, PASSPORT]));
      await expectAsked(body({ consent: { ...STATEMENT, statement: 'Something else entirely.' } }, [EMIRATES_ID]));
      // Another SP sending for the same user and recipient.
      const otherOwner = await onboardSp(gw);
      const otherClient = new SpClient(gw, otherOwner);
      await expectAsked(sendBody(otherOwner, user, { requestedById: requester.clientId, content: { documents: [EMIRATES_ID] } }), otherClient);
      // Another user.
      const someoneElse = await createUser(gw);
      await registerFcm(await userToken(gw, someoneElse.id));
      await expectAsked(body({}, [EMIRATES_ID], someoneElse));
      // A send asking to stand longer than the standing consent does.
      await expectAsked(body({ validUntil: inDays(20) }, [EMIRATES_ID]));
    });

    it('stands only for the documents the user accepted, not those they turned down', async () => {
      const b = body({ validUntil: inDays(10) }, [EMIRATES_ID, SALARY]);
      const sent = await client.send(b);
      await eventually(async () => pushesFor(sent.body.uaePassTransactionID) > 0, 5000, 'the push');
      const decided = await decide(gw, token, sent.body.uaePassTransactionID, { accept: true, documents: [{ type: 'SALARY_CERTIFICATE', accept: false }] });
      expect(decided.body.status).toBe('ACCEPTED');
      await expectAsked(body({}, [SALARY]));
      expect((await client.send(body({}, [EMIRATES_ID]))).body.transactionStatus).toBe('ACCEPTED');
    });

    it('asks again once the standing consent has expired', async () => {
      const b = body({ validUntil: inDays(1) }, [PASSPORT]);
      const { id } = await askAndAccept(b);
      // Time passes: the standing consent ends (its stored end moved into the past).
      await gw.db.query(`UPDATE standing_consents SET valid_until = now() - interval '1 second' WHERE id = $1`, [id]);
      await expectAsked(body({}, [PASSPORT]));
      const listed = await appCall(gw, token, 'GET', '/app/v1/standing-consents');
      expect(listed.body.items.find((s: { id: string }) => s.id === id).status).toBe('EXPIRED');
    });

    it('reuses for peerToPeer only with the same requestor', async () => {
      const person = { name: 'Ahmed', nameAr: 'أحمد', identifier: newEmiratesId(), idType: 'EMIRATES_ID' };
      const p2p = (requestor: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        body({ requestType: 'peerToPeer', requestedById: undefined, requestor, ...extra }, [EMIRATES_ID]);
      const first = await p2p(person, { validUntil: inDays(5) });
      await askAndAccept(first);
      // The same person, written without dashes.
      const same = await client.send(p2p({ ...person, identifier: person.identifier.replace(/-/g, '') }));
      expect(same.body.transactionStatus).toBe('ACCEPTED');
      await expectAsked(p2p({ ...person, identifier: newEmiratesId() }));
    });

    it('stops at once when the user revokes it; the SP hears REVOKED for it and for what was answered from it', async () => {
      const { id } = await askAndAccept(body({ validUntil: inDays(60) }, [EMIRATES_ID, PASSPORT]));
      const reused = await client.send(body({}, [PASSPORT]));
      expect(reused.body.transactionStatus).toBe('ACCEPTED');
      const reusedId = reused.body.uaePassTransactionID;

      const revoked = await appCall(gw, token, 'POST', `/app/v1/standing-consents/${id}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ id, status: 'REVOKED', revokedTransactions: [id, reusedId] });
      for (const txId of [id, reusedId]) {
        const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === txId && c.body.status === 'REVOKED', 5000);
        expect(cb.headers['x-api-key']).toBe(API_KEY);
      }
      await expectAsked(body({}, [PASSPORT]));
      const listed = await appCall(gw, token, 'GET', '/app/v1/standing-consents');
      expect(listed.body.items.find((s: { id: string }) => s.id === id)).toMatchObject({ status: 'REVOKED', revokedAt: expect.any(String) });
      expectCatalogError(await appCall(gw, token, 'POST', `/app/v1/standing-consents/${id}/revoke`), 409, 'CONS_1000027');
    });

    it('leaves nothing accepted behind when revocation races with sends relying on it', async () => {
      const { id } = await askAndAccept(body({ validUntil: inDays(30) }, [EMIRATES_ID]));
      const sends = Array.from({ length: 8 }, () => client.send(body({}, [EMIRATES_ID])));
      const revoking = appCall(gw, token, 'POST', `/app/v1/standing-consents/${id}/revoke`);
      const answers = await Promise.all(sends);
      expect((await revoking).status).toBe(200);
      for (const a of answers) expect(['ACCEPTED', 'TRIGGERED']).toContain(a.body.transactionStatus);
      const { rows } = await gw.db.query(`SELECT status, count(*)::int AS n FROM consent_transactions WHERE standing_consent_id = $1 GROUP BY status`, [id]);
      const reusedCount = answers.filter((a) => a.body.transactionStatus === 'ACCEPTED').length;
      // Every request answered from it before the revocation is revoked with it; none after.
      expect(rows).toEqual(reusedCount ? [{ status: 'REVOKED', n: reusedCount }] : []);
      await expectAsked(body({}, [EMIRATES_ID]));
    });

    it('also ends when its own transaction is revoked from the history', async () => {
      const { id } = await askAndAccept(body({ validUntil: inDays(60) }, [TENANCY]));
      expect((await appCall(gw, token, 'POST', `/app/v1/consents/${id}/revoke`)).status).toBe(200);
      await receiver.waitFor((c) => c.body.uaePassTransactionID === id && c.body.status === 'REVOKED', 5000);
      await expectAsked(body({}, [TENANCY]));
    });

    it("keeps another user's standing consents out of reach", async () => {
      const { id } = await askAndAccept(body({ validUntil: inDays(3) }, [EMIRATES_ID]));
      const stranger = await createUser(gw);
      const strangerToken = await userToken(gw, stranger.id);
      expectCatalogError(await appCall(gw, strangerToken, 'POST', `/app/v1/standing-consents/${id}/revoke`), 404, 'CONS_1000026');
      expectCatalogError(await appCall(gw, strangerToken, 'POST', `/app/v1/standing-consents/not-a-uuid/revoke`), 404, 'CONS_1000026');
      expect((await appCall(gw, strangerToken, 'GET', '/app/v1/standing-consents')).body.items).toEqual([]);
    });
  });

  it('documents the new fields in the OpenAPI document', async () => {
    const doc = (await http(`${gw.url}/docs-json`)).body;
    const send = doc.components.schemas.SendConsentDto;
    expect(Object.keys(send.properties)).toEqual(expect.arrayContaining(['consent', 'validUntil']));
    expect(send.required).not.toContain('consent');
    expect(send.required).not.toContain('validUntil');
    expect(Object.keys(doc.components.schemas.ConsentStatementDto.properties)).toEqual(['statement', 'statementAr', 'termsUrl']);
    expect(doc.paths['/app/v1/standing-consents']).toBeDefined();
    expect(doc.paths['/app/v1/standing-consents/{id}/revoke']).toBeDefined();
  });

  describe('privacy: export and retention', () => {
    it("puts the user's standing consents, and each request's terms, in their export", async () => {
      const someone = await createUser(gw);
      const theirToken = await userToken(gw, someone.id);
      await registerFcm(theirToken);
      const validUntil = inDays(15);
      const { id } = await askAndAccept(body({ validUntil, consent: STATEMENT }, [EMIRATES_ID], someone), theirToken);
      const reused = await client.send(body({}, [EMIRATES_ID], someone));
      const exported = await appCall(gw, theirToken, 'GET', '/app/v1/me/export');
      expect(exported.body.standingConsents).toEqual([
        { id, spId: sp.clientId, requestType: 'spToSp', documentTypes: ['EMIRATES_ID'], validUntil, createdAt: expect.any(String), revokedAt: null },
      ]);
      const byId = (x: string) => exported.body.transactions.find((t: { uaePassTransactionID: string }) => t.uaePassTransactionID === x);
      expect(byId(id).consentTerms).toEqual({ ...STATEMENT, validUntil });
      expect(byId(reused.body.uaePassTransactionID)).toMatchObject({ status: 'ACCEPTED', standingConsentId: id, consentTerms: STATEMENT });
    });

    it('deletes standing consents that ended longer ago than the accepted retention period, and keeps live ones', async () => {
      const someone = await createUser(gw);
      const theirToken = await userToken(gw, someone.id);
      await registerFcm(theirToken);
      const ended = await askAndAccept(body({ validUntil: inDays(5) }, [EMIRATES_ID], someone), theirToken);
      const live = await askAndAccept(body({ validUntil: inDays(5) }, [SALARY], someone), theirToken);
      await appCall(gw, theirToken, 'POST', `/app/v1/standing-consents/${ended.id}/revoke`);
      await gw.db.query(`UPDATE standing_consents SET revoked_at = now() - make_interval(days => $2) WHERE id = $1`, [
        ended.id,
        gw.config.retentionAcceptedDays + 1,
      ]);
      const preview = await adminCall(gw, 'GET', '/admin/v1/privacy/retention/preview');
      expect(preview.body.standingConsentsDue).toBe(1);
      await gw.app.get(RetentionService).sweep();
      const { rows } = await gw.db.query(`SELECT id FROM standing_consents WHERE user_id = $1`, [someone.id]);
      expect(rows.map((r) => r.id)).toEqual([live.id]);
    });
  });

  describe('bad input: a coded bilingual error, nothing written', () => {
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['consent not an object', { consent: 'I agree' }, 400, 'CONS_1000021'],
      ['consent null', { consent: null }, 400, 'CONS_1000021'],
      ['consent without statementAr', { consent: { statement: 'I agree' } }, 400, 'CONS_1000021'],
      ['empty statement', { consent: { ...STATEMENT, statement: '   ' } }, 400, 'CONS_1000021'],
      ['statement not text', { consent: { ...STATEMENT, statement: 42 } }, 400, 'CONS_1000021'],
      ['statement too long', { consent: { ...STATEMENT, statementAr: 'أ'.repeat(501) } }, 400, 'CONS_1000021'],
      ['unknown key in consent', { consent: { ...STATEMENT, title: 'x' } }, 400, 'CONS_1000021'],
      ['termsUrl over http', { consent: { ...STATEMENT, termsUrl: 'http://bank.example/privacy' } }, 400, 'CONS_1000022'],
      ['termsUrl with credentials', { consent: { ...STATEMENT, termsUrl: 'https://user:pw@bank.example/' } }, 400, 'CONS_1000022'],
      ['termsUrl not a URL', { consent: { ...STATEMENT, termsUrl: 'bank.example/privacy' } }, 400, 'CONS_1000022'],
      ['termsUrl javascript:', { consent: { ...STATEMENT, termsUrl: 'javascript:alert(1)' } }, 400, 'CONS_1000022'],
      ['termsUrl too long', { consent: { ...STATEMENT, termsUrl: `https://bank.example/${'a'.repeat(2048)}` } }, 400, 'CONS_1000022'],
      ['validUntil not a date', { validUntil: 'next year' }, 400, 'CONS_1000023'],
      ['validUntil without zone', { validUntil: '2099-01-01T00:00:00' }, 400, 'CONS_1000023'],
      ['validUntil a date only', { validUntil: '2099-01-01' }, 400, 'CONS_1000023'],
      ['validUntil an impossible date', { validUntil: '2027-02-30T00:00:00Z' }, 400, 'CONS_1000023'],
      ['validUntil a number', { validUntil: 1893456000000 }, 400, 'CONS_1000023'],
      ['validUntil in the past', { validUntil: '2020-01-01T00:00:00Z' }, 400, 'CONS_1000024'],
      ['validUntil beyond the maximum', { validUntil: new Date(Date.now() + 400 * DAY).toISOString() }, 400, 'CONS_1000025'],
    ];

    it.each(cases)('%s', async (_name, overrides, status, code) => {
      const before = await consentRowCounts(gw);
      const standingBefore = (await gw.db.query(`SELECT count(*)::int AS n FROM standing_consents`)).rows[0].n;
      for (const route of ['send', 'validate'] as const) {
        const res = await client[route](body(overrides));
        expectCatalogError(res, status, code);
      }
      expect(await consentRowCounts(gw)).toEqual(before);
      expect((await gw.db.query(`SELECT count(*)::int AS n FROM standing_consents`)).rows[0].n).toBe(standingBefore);
    });

    it("bounds validUntil by the SP's own standingConsentMaxDays", async () => {
      const patched = await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { standingConsentMaxDays: 7 });
      expect(patched.body).toMatchObject({ standingConsentMaxDays: 7, effectiveStandingConsentMaxDays: 7 });
      try {
        const res = await client.send(body({ validUntil: inDays(8) }));
        expectCatalogError(res, 400, 'CONS_1000025');
        expect(res.body.desc.en).toContain('7 days');
        expect((await client.validate(body({ validUntil: inDays(6) }))).status).toBe(200);
      } finally {
        await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { standingConsentMaxDays: null });
      }
      expectCatalogError(await adminCall(gw, 'PATCH', `/admin/v1/service-providers/${sp.clientId}`, { standingConsentMaxDays: 0 }), 400, 'CONS_1000007');
      const onboarded = await onboardSp(gw, { standingConsentMaxDays: 30 });
      const view = await adminCall(gw, 'GET', `/admin/v1/service-providers/${onboarded.clientId}`);
      expect(view.body).toMatchObject({ standingConsentMaxDays: 30, effectiveStandingConsentMaxDays: 30 });
    });
  });
});
