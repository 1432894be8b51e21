import { adminCall, clientToken, createUser, expectCatalogError, http, onboardSp, sendBody, SpClient, SpCredentials, TestUser } from '../support/clients';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Gateway, startGateway } from '../support/gateway';

const SEND = '/api/v1/consent/transaction/send';
const STATUS = '/api/v1/consent/transaction/status';
const SEED_401 = { code: '401', desc: { ar: 'UNAUTHORIZED', en: 'UNAUTHORIZED' } };

/**
 * Every attack on the signed SP API (docs/security.md, "Request signatures") is refused with its
 * documented code, and a refused request writes nothing.
 */
async function writtenRows(gw: Gateway): Promise<{ transactions: number; documents: number }> {
  const { rows } = await gw.db.query(
    `SELECT (SELECT count(*) FROM consent_transactions)::int AS transactions, (SELECT count(*) FROM consent_documents)::int AS documents`,
  );
  return rows[0];
}

async function refusedWithoutWritesOn(gw: Gateway, status: number, code: string, attack: () => ReturnType<SpClient['send']>) {
  const before = await writtenRows(gw);
  const res = await attack();
  expectCatalogError(res, status, code);
  expect(await writtenRows(gw)).toEqual(before);
  return res;
}

describe('SP request signatures (X-Timestamp, X-UAEPASS-Signature)', () => {
  let gw: Gateway;
  let spA: SpCredentials;
  let spB: SpCredentials;
  let user: TestUser;
  let a: SpClient;

  beforeAll(async () => {
    gw = await startGateway();
    [spA, spB] = await Promise.all([onboardSp(gw), onboardSp(gw)]);
    user = await createUser(gw);
    a = new SpClient(gw, spA);
  });
  afterAll(async () => {
    await gw?.close();
  });

  /**
   * Runs `attack` and asserts it answered `status`/`code` and wrote no transaction. (Events and
   * outbox rows are only ever written with a transaction row, in the same statement; counting
   * them here would race with earlier accepted sends moving on in the background.)
   */
  async function refusedWithoutWrites(status: number, code: string, attack: () => ReturnType<SpClient['send']>) {
    return refusedWithoutWritesOn(gw, status, code, attack);
  }

  it('accepts a correctly signed send (the baseline every attack below departs from)', async () => {
    const res = await a.send(sendBody(spA, user));
    expect(res.status).toBe(201);
  });

  describe('timestamp window (±300 s)', () => {
    it('answers SEC_1000003 for a timestamp 301 s old', async () => {
      const res = await refusedWithoutWrites(401, 'SEC_1000003', () => a.send(sendBody(spA, user), { timestamp: Date.now() - 301_000 }));
      expect(res.body.desc.en).toBe('X-Timestamp is outside the allowed window of 300 seconds.');
    });

    it('answers SEC_1000003 for a timestamp 301 s in the future', async () => {
      await refusedWithoutWrites(401, 'SEC_1000003', () => a.send(sendBody(spA, user), { timestamp: Date.now() + 301_000 }));
    });

    it('accepts a timestamp exactly 300 s ahead (the edge is inside the window)', async () => {
      // By the time the server reads it, it is a little less than 300 s ahead: never outside.
      const res = await a.send(sendBody(spA, user), { timestamp: Date.now() + 300_000 });
      expect(res.status).toBe(201);
    });

    it('accepts a timestamp 299 s old', async () => {
      const res = await a.status('unknown-tx', { timestamp: Date.now() - 299_000 });
      expectCatalogError(res, 404, 'CONS_1000010');
    });

    it('answers SEC_1000006 for a timestamp that is not Unix milliseconds', async () => {
      await refusedWithoutWrites(401, 'SEC_1000006', () => a.send(sendBody(spA, user), { timestamp: '2025-11-24T10:00:00Z' }));
    });
  });

  describe('tampering', () => {
    it('answers CONS_1000005 when the body differs from the signed one', async () => {
      const body = sendBody(spA, user);
      const signed = JSON.stringify({ ...body, purpose: 'Something harmless' });
      const res = await refusedWithoutWrites(401, 'CONS_1000005', () => a.send(body, { signedBody: signed }));
      expect(res.body).toEqual({ code: 'CONS_1000005', desc: { ar: 'التوقيع غير صحيح.', en: 'Invalid signature.' } });
    });

    it('answers CONS_1000005 when one byte of the raw body changes (whitespace included)', async () => {
      const raw = JSON.stringify(sendBody(spA, user));
      await refusedWithoutWrites(401, 'CONS_1000005', () => a.send(undefined, { rawBody: raw, signedBody: raw.replace('{', '{ ') }));
    });

    it('answers CONS_1000005 when the path differs from the signed one', async () => {
      await refusedWithoutWrites(401, 'CONS_1000005', () => a.send(sendBody(spA, user), { signedPath: '/api/v1/consent/transaction/validate' }));
    });

    it('answers CONS_1000005 when a query string is added to the signed path', async () => {
      await refusedWithoutWrites(401, 'CONS_1000005', () => a.post(`${SEND}?dryRun=false`, sendBody(spA, user), { signedPath: SEND }));
    });

    it('answers CONS_1000005 when the timestamp header differs from the signed one', async () => {
      const ts = Date.now();
      const { signRequest } = await import('../../src/security/request-signature');
      const body = JSON.stringify(sendBody(spA, user));
      const signature = signRequest(spA.signingSecret, String(ts), 'POST', SEND, body);
      await refusedWithoutWrites(401, 'CONS_1000005', () =>
        a.send(undefined, { rawBody: body, timestamp: ts + 1, headers: { 'x-uaepass-signature': signature } }),
      );
    });

    it('answers CONS_1000005 for a request signed with another SP’s signing secret', async () => {
      await refusedWithoutWrites(401, 'CONS_1000005', () => a.send(sendBody(spA, user), { secret: spB.signingSecret }));
    });

    it('answers CONS_1000005 for a signature that is not base64 HMAC-SHA256', async () => {
      await refusedWithoutWrites(401, 'CONS_1000005', () => a.send(sendBody(spA, user), { headers: { 'x-uaepass-signature': 'AAAA' } }));
    });
  });

  describe('replay', () => {
    it('answers SEC_1000004 to the same signed request sent twice, and creates one transaction', async () => {
      const body = sendBody(spA, user);
      const raw = JSON.stringify(body);
      const timestamp = Date.now();
      const first = await a.send(undefined, { rawBody: raw, timestamp });
      expect(first.status).toBe(201);
      await refusedWithoutWrites(401, 'SEC_1000004', () => a.send(undefined, { rawBody: raw, timestamp }));
      const { rows } = await gw.db.query(`SELECT count(*)::int AS n FROM consent_transactions WHERE sp_transaction_id = $1`, [body.spTransactionID]);
      expect(rows[0].n).toBe(1);
    });

    it('refuses a replay of a read-only request too (status)', async () => {
      const timestamp = Date.now();
      expectCatalogError(await a.status('tx-replayed', { timestamp }), 404, 'CONS_1000010');
      expectCatalogError(await a.status('tx-replayed', { timestamp }), 401, 'SEC_1000004');
    });
  });

  describe('who is calling', () => {
    it('answers CONS_1000015 to SP A’s valid token and signature naming SP B as spId', async () => {
      await refusedWithoutWrites(403, 'CONS_1000015', () => a.send(sendBody(spA, user, { spId: spB.clientId })));
    });

    it('answers SEC_1000002 to a token without the consent scope', async () => {
      const res = await clientToken(gw, spA.clientId, spA.clientSecret, 'openid');
      expect(res.status).toBe(200);
      await refusedWithoutWrites(403, 'SEC_1000002', () =>
        a.send(sendBody(spA, user), { headers: { 'x-up-accesstoken': res.body.access_token, authorization: `Bearer ${res.body.id_token}` } }),
      );
    });

    it('answers SEC_1000007 to an admin token on an SP route', async () => {
      const res = await clientToken(gw, 'test-admin', 'test-admin-secret-0123456789', 'muwafaqa:admin');
      await refusedWithoutWrites(403, 'SEC_1000007', () =>
        a.send(sendBody(spA, user), { headers: { 'x-up-accesstoken': res.body.access_token, authorization: undefined } }),
      );
    });

    it('answers SEC_1000007 to a user token on an SP route', async () => {
      const { access_token } = (await adminCall(gw, 'POST', `/admin/v1/users/${user.id}/tokens`)).body;
      await refusedWithoutWrites(403, 'SEC_1000007', () =>
        a.send(sendBody(spA, user), { headers: { 'x-up-accesstoken': access_token, authorization: undefined } }),
      );
    });

    it('answers SEC_1000041 when the id_token in Authorization belongs to another SP', async () => {
      const other = await new SpClient(gw, spB).tokenPair();
      await refusedWithoutWrites(401, 'SEC_1000041', () => a.send(sendBody(spA, user), { headers: { authorization: `Bearer ${other.id_token}` } }));
    });

    it('answers SEC_1000040 when an id_token is presented as the access token', async () => {
      const { id_token } = await a.tokenPair();
      await refusedWithoutWrites(401, 'SEC_1000040', () => a.send(sendBody(spA, user), { headers: { 'x-up-accesstoken': id_token } }));
    });

    it('accepts Authorization: Bearer <access_token> alone', async () => {
      const { access_token } = await a.tokenPair();
      const res = await a.send(sendBody(spA, user), { headers: { 'x-up-accesstoken': undefined, authorization: `Bearer ${access_token}` } });
      expect(res.status).toBe(201);
    });
  });

  describe('missing headers answer the seed’s 401 body', () => {
    it.each([
      ['X-Timestamp', { 'x-timestamp': undefined }],
      ['X-UAEPASS-Signature', { 'x-uaepass-signature': undefined }],
      ['X-UP-AccessToken and Authorization', { 'x-up-accesstoken': undefined, authorization: undefined }],
      ['every header', { 'x-timestamp': undefined, 'x-uaepass-signature': undefined, 'x-up-accesstoken': undefined, authorization: undefined }],
    ])('without %s', async (_name, headers) => {
      const res = await refusedWithoutWrites(401, '401', () => a.send(sendBody(spA, user), { headers }));
      expect(res.body).toEqual(SEED_401);
    });

    it('treats an empty header as missing', async () => {
      const res = await refusedWithoutWrites(401, '401', () => a.send(sendBody(spA, user), { headers: { 'x-uaepass-signature': '' } }));
      expect(res.body).toEqual(SEED_401);
    });
  });

  describe('transport', () => {
    it('sends helmet’s security headers and no CORS grant on the SP API', async () => {
      const res = await a.status('tx-headers', { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await http(`${gw.url}${STATUS}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('answers REQ_1000002 (413) to a body over the limit, before reading it, writing nothing', async () => {
      const body = sendBody(spA, user, { purpose: 'x'.repeat(70 * 1024) });
      await refusedWithoutWrites(413, 'REQ_1000002', () => a.send(body));
    });
  });
});

describe('replay and secret rotation across two instances sharing Postgres and Redis', () => {
  let gw1: Gateway;
  let gw2: Gateway;
  let sp: SpCredentials;
  let user: TestUser;

  beforeAll(async () => {
    gw1 = await startGateway();
    gw2 = await startGateway({ REDIS_PREFIX: gw1.config.redisPrefix }, gw1.config.databaseUrl);
    sp = await onboardSp(gw1);
    user = await createUser(gw1);
  });
  afterAll(async () => {
    await gw2?.close();
    await gw1?.close();
  });

  it('refuses on instance 2 a signed request already accepted by instance 1 (SEC_1000004)', async () => {
    const body = sendBody(sp, user);
    const raw = JSON.stringify(body);
    const timestamp = Date.now();
    const c1 = new SpClient(gw1, sp);
    // Instance 2 trusts the token instance 1 issued: same keys in the database.
    const c2 = new SpClient(gw2, sp);
    (c2 as unknown as { tokens: unknown }).tokens = await c1.tokenPair();
    expect((await c1.send(undefined, { rawBody: raw, timestamp })).status).toBe(201);
    await refusedWithoutWritesOn(gw1, 401, 'SEC_1000004', () => c2.send(undefined, { rawBody: raw, timestamp }));
  });

  it('accepts both signing secrets during rotation; once the old one is revoked, it fails on both instances at once', async () => {
    const c1 = new SpClient(gw1, sp);
    const c2 = new SpClient(gw2, sp);
    // Both instances cache the SP profile (with its one secret) before the rotation.
    expectCatalogError(await c1.status('tx-rot'), 404, 'CONS_1000010');
    expectCatalogError(await c2.status('tx-rot'), 404, 'CONS_1000010');

    const added = await adminCall(gw1, 'POST', `/admin/v1/service-providers/${sp.clientId}/signing-secrets`);
    expect(added.status).toBe(201);
    const newSecret: string = added.body.signingSecret;
    for (const c of [c1, c2]) {
      expectCatalogError(await c.status('tx-rot', { secret: sp.signingSecret }), 404, 'CONS_1000010');
      expectCatalogError(await c.status('tx-rot', { secret: newSecret }), 404, 'CONS_1000010');
    }

    const listed = await adminCall(gw1, 'GET', `/admin/v1/service-providers/${sp.clientId}/signing-secrets`);
    const old = listed.body.items.find((s: { id: string }) => s.id !== added.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(sp.signingSecret);
    expect((await adminCall(gw1, 'DELETE', `/admin/v1/service-providers/${sp.clientId}/signing-secrets/${old.id}`)).status).toBe(204);

    // Same instance: immediately.
    expectCatalogError(await c1.status('tx-rot', { secret: sp.signingSecret }), 401, 'CONS_1000005');
    // Other instance: through Redis pub/sub, well before its 30 s cache would expire.
    const deadline = Date.now() + 3000;
    let res = await c2.status('tx-rot', { secret: sp.signingSecret });
    while (res.status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      res = await c2.status('tx-rot', { secret: sp.signingSecret });
    }
    expectCatalogError(res, 401, 'CONS_1000005');
    for (const c of [c1, c2]) expectCatalogError(await c.status('tx-rot', { secret: newSecret }), 404, 'CONS_1000010');
  });
});

/** `POST /oauth2/token` from a chosen loopback source address (127.0.0.0/8 all reach the gateway). */
function tokenFrom(
  gateway: Gateway,
  localAddress: string,
  clientId: string,
  secret: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: any }> {
  return new Promise((ok, fail) => {
    const body = 'grant_type=client_credentials';
    const req = httpRequest(
      `${gateway.url}/oauth2/token`,
      {
        method: 'POST',
        localAddress,
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}
describe('rate limits (Redis, shared by instances)', () => {
  let gw: Gateway;
  let sp: SpCredentials;

  /** Fixed one-minute windows: start a burst early in a minute so it never straddles two. */
  async function awayFromMinuteEdge() {
    while (Date.now() % 60_000 > 55_000) await new Promise((r) => setTimeout(r, 100));
  }

  beforeAll(async () => {
    gw = await startGateway({ RATE_LIMIT_PER_MINUTE: '3', TOKEN_RATE_LIMIT_PER_MINUTE: '4' });
    sp = await onboardSp(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers 429 SEC_1000005 with Retry-After once an SP exceeds RATE_LIMIT_PER_MINUTE', async () => {
    const c = new SpClient(gw, sp);
    await c.tokenPair();
    await awayFromMinuteEdge();
    for (let i = 0; i < 3; i++) expect((await c.status('tx-rate')).status).toBe(404);
    const res = await c.status('tx-rate');
    expectCatalogError(res, 429, 'SEC_1000005');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.body.desc.en).toBe(`Too many requests; retry after ${retryAfter} seconds.`);
    // Counted in Redis under the shared prefix, so every instance sees the same count.
    const keys = await gw.redis.keys(`${gw.config.redisPrefix}:{sp:${sp.clientId}}:rate:*`);
    expect(keys).toHaveLength(1);
  });

  it('throttles failed POST /oauth2/token guesses per (client id, source), reserved before scrypt runs', async () => {
    const guessed = await onboardSp(gw);
    await awayFromMinuteEdge();
    for (let i = 0; i < 4; i++) {
      const res = await tokenFrom(gw, '127.0.0.3', guessed.clientId, 'wrong-secret');
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    }
    // The guessing source is refused before scrypt, even with the right secret.
    const res = await tokenFrom(gw, '127.0.0.3', guessed.clientId, guessed.clientSecret);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('SEC_1000005');
    expect(res.body.desc.ar).toContain('عدد كبير جداً من الطلبات');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('lets the SP get its token while an attacker holds its client id throttled (no lock-out)', async () => {
    const victim = await onboardSp(gw);
    await awayFromMinuteEdge();
    const guesses = await Promise.all(Array.from({ length: 12 }, () => tokenFrom(gw, '127.0.0.4', victim.clientId, 'wrong-secret')));
    // Concurrent guesses cannot slip past the budget: at most 4 reached scrypt.
    expect(guesses.filter((r) => r.status === 401)).toHaveLength(4);
    expect(guesses.filter((r) => r.status === 429 && r.body.code === 'SEC_1000005')).toHaveLength(8);
    // The SP, from its own address, still gets tokens, again and again (successes never count).
    for (let i = 0; i < 6; i++) expect((await tokenFrom(gw, '127.0.0.5', victim.clientId, victim.clientSecret)).status).toBe(200);
    expect((await clientToken(gw, victim.clientId, victim.clientSecret)).status).toBe(200);
  });
});

describe('token throttle per source across client ids', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ TOKEN_RATE_LIMIT_PER_MINUTE: '100', TOKEN_SOURCE_FAILURES_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('bounds the scrypt work one source can cause by spraying many client ids', async () => {
    const sps = await Promise.all(Array.from({ length: 3 }, () => onboardSp(gw)));
    while (Date.now() % 60_000 > 55_000) await new Promise((r) => setTimeout(r, 100));
    const results = [];
    for (let i = 0; i < 9; i++) results.push(await tokenFrom(gw, '127.0.0.6', sps[i % 3].clientId, `wrong-${i}`));
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429]);
    expect(results[8].body.code).toBe('SEC_1000005');
    // Another source is not affected.
    expect((await tokenFrom(gw, '127.0.0.7', sps[0].clientId, sps[0].clientSecret)).status).toBe(200);
  });
});
