import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { signRequest } from '../../src/security/request-signature';
import { adminToken, createUser, onboardSp, sendBody, SpClient, SpCredentials, TestUser, userToken } from '../support/clients';
import { leaksInternals } from '../support/fault-load';
import { hostileBody, hostileValue, isBilingualCatalogBody, nastyString, rawHostileBody, rawRequest, RawResult, tableCounts } from '../support/fault-hostile';
import { Gateway, startGateway } from '../support/gateway';

/**
 * Hostile input against the live server, every route. Property: never a 5xx, every refusal a
 * catalog code in both languages with nothing internal in it, and a refused request changes no
 * row of any table. Valid inputs the generators happen to hit (2xx) may write; the counts are
 * then taken again. No queue workers run here, so nothing else writes while a request is judged.
 */
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 12);

type Auth = 'sp' | 'admin' | 'user' | 'none';
interface Route {
  method: string;
  /** Path, `{x}` replaced by a hostile path segment when fuzzing path parameters. */
  path: string;
  auth: Auth;
  /** The valid JSON body the route expects (fuzzed around it), if it takes one. */
  body?: () => Record<string, unknown>;
  /** Query parameters it reads (fuzzed). */
  query?: string[];
}

describe('hostile input against every route', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let spClient: SpClient;
  let user: TestUser;
  let admin: string;
  let userBearer: string;
  let pendingTx: string;
  let spTokens: { access_token: string; id_token: string };
  let routes: Route[];
  const stats = { requests: 0, refused: 0, accepted: 0 };

  beforeAll(async () => {
    gw = await startGateway({
      WORKERS_IN_PROCESS: 'false',
      RATE_LIMIT_PER_MINUTE: '100000',
      TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
      TOKEN_SOURCE_FAILURES_PER_MINUTE: '100000',
      IDENTIFIER_PROBE_BUDGET: '1000000',
    });
    sp = await onboardSp(gw, { callbackUrl: 'http://127.0.0.1:9/callback', callbackApiKey: 'k' });
    spClient = new SpClient(gw, sp);
    spTokens = await spClient.tokenPair();
    user = await createUser(gw);
    admin = await adminToken(gw);
    userBearer = await userToken(gw, user.id);
    const sent = await spClient.send(sendBody(sp, user));
    pendingTx = sent.body.uaePassTransactionID;
    const ref = () => ({ spTransactionID: 'tx_unknown', spId: sp.clientId });
    routes = [
      { method: 'POST', path: '/api/v1/consent/transaction/send', auth: 'sp', body: () => sendBody(sp, user) },
      { method: 'POST', path: '/api/v1/consent/transaction/validate', auth: 'sp', body: () => sendBody(sp, user) },
      { method: 'POST', path: '/api/v1/consent/transaction/status', auth: 'sp', body: ref },
      { method: 'POST', path: '/api/v1/consent/transaction/cancel', auth: 'sp', body: ref },
      { method: 'POST', path: '/api/v1/consent/transaction/receipt', auth: 'sp', body: ref },
      {
        method: 'POST',
        path: '/oauth2/token',
        auth: 'none',
        body: () => ({ grant_type: 'client_credentials', client_id: sp.clientId, client_secret: 'wrong-secret' }),
      },
      { method: 'GET', path: '/.well-known/jwks.json', auth: 'none' },
      {
        method: 'POST',
        path: '/admin/v1/service-providers',
        auth: 'admin',
        body: () => ({ clientId: 'x', name: 'SP', nameAr: 'مقدم', callbackUrl: 'notaurl' }),
      },
      { method: 'GET', path: '/admin/v1/service-providers', auth: 'admin', query: ['cursor', 'limit', 'q', 'disabled'] },
      { method: 'GET', path: '/admin/v1/service-providers/{x}', auth: 'admin' },
      { method: 'PATCH', path: '/admin/v1/service-providers/{x}', auth: 'admin', body: () => ({ name: 'Renamed', callbackUrl: 'http://127.0.0.1:9/cb' }) },
      { method: 'GET', path: '/admin/v1/service-providers/{x}/signing-secrets', auth: 'admin' },
      { method: 'POST', path: '/admin/v1/service-providers/{x}/signing-secrets', auth: 'admin' },
      { method: 'DELETE', path: `/admin/v1/service-providers/${sp.clientId}/signing-secrets/{x}`, auth: 'admin' },
      {
        method: 'POST',
        path: '/admin/v1/users',
        auth: 'admin',
        body: () => ({ name: 'N', nameAr: 'ن', verified: true, documents: [{ idDocType: 'EMIRATES_ID', identifier: '784-1990-1234567-0' }] }),
      },
      { method: 'POST', path: '/admin/v1/users/{x}/tokens', auth: 'admin' },
      {
        method: 'GET',
        path: '/admin/v1/transactions',
        auth: 'admin',
        query: ['status', 'spId', 'from', 'to', 'cursor', 'limit', 'uaePassTransactionID', 'spTransactionID'],
      },
      { method: 'GET', path: '/admin/v1/transactions/counts', auth: 'admin', query: ['from', 'to', 'spId'] },
      { method: 'GET', path: '/admin/v1/transactions/{x}', auth: 'admin' },
      { method: 'GET', path: '/admin/v1/token-keys', auth: 'admin' },
      { method: 'DELETE', path: '/admin/v1/token-keys/{x}', auth: 'admin' },
      { method: 'GET', path: '/admin/v1/privacy/data-keys', auth: 'admin' },
      { method: 'GET', path: '/admin/v1/privacy/retention/preview', auth: 'admin', query: ['asOf', 'limit'] },
      { method: 'GET', path: '/admin/v1/privacy/access-log', auth: 'admin', query: ['actor', 'subjectType', 'subjectId', 'cursor', 'limit'] },
      { method: 'GET', path: '/app/v1/consents', auth: 'user', query: ['status', 'cursor', 'limit'] },
      { method: 'GET', path: '/app/v1/consents/{x}', auth: 'user', query: ['lang'] },
      { method: 'GET', path: '/app/v1/consents/{x}/history', auth: 'user' },
      { method: 'GET', path: '/app/v1/consents/{x}/receipt', auth: 'user' },
      { method: 'POST', path: '/app/v1/consents/{x}/revoke', auth: 'user' },
      {
        method: 'POST',
        path: `/app/v1/consents/${pendingTx}/decision`,
        auth: 'user',
        // Valid at the top level, so the fuzzer reaches the nested documents (a valid one may decide: 2xx may write).
        body: () => ({ accept: true, documents: [{ type: 'EMIRATES_ID', accept: true }] }),
      },
      { method: 'POST', path: '/app/v1/devices', auth: 'user', body: () => ({ platform: 'pager', pushToken: 't', locale: 'en' }) },
      { method: 'GET', path: '/app/v1/devices', auth: 'user' },
      { method: 'DELETE', path: '/app/v1/devices/{x}', auth: 'user' },
      { method: 'GET', path: '/app/v1/events', auth: 'none', query: ['access_token', 'deviceId'] },
      { method: 'GET', path: '/app/v1/me/export', auth: 'user' },
      { method: 'GET', path: '/app/v1/me/recipients', auth: 'user' },
    ];
  }, 60_000);
  afterAll(async () => {
    process.stdout.write(
      `[reliability] hostile input: ${stats.requests} requests, ${stats.refused} refused with a catalog code, ${stats.accepted} valid ones accepted, 0 × 5xx\n`,
    );
    await gw?.close();
  });

  /** The headers a legitimate caller of `route` sends, for `path` and `body`. */
  function authHeaders(route: Route, path: string, body: Buffer | string | undefined): Record<string, string> {
    if (route.auth === 'sp') {
      const timestamp = String(Date.now());
      return {
        'x-up-accesstoken': spTokens.access_token,
        authorization: `Bearer ${spTokens.id_token}`,
        'x-timestamp': timestamp,
        'x-uaepass-signature': signRequest(sp.signingSecret, timestamp, route.method, path, body),
      };
    }
    if (route.auth === 'admin') return { authorization: `Bearer ${admin}` };
    if (route.auth === 'user') return { authorization: `Bearer ${userBearer}` };
    return {};
  }

  const decisionType = (path: string) => (path.endsWith('/decision') ? 'application/vnd.muwafaqa.consent-decision+json' : 'application/json');

  /** Sends one request and checks the property; answers the response for further checks. */
  async function probe(route: Route, path: string, body: Buffer | string | undefined, headers: Record<string, string | string[]>): Promise<RawResult> {
    const before = await tableCounts(gw.db);
    const res = await rawRequest(`${gw.url}${path}`, route.method, headers, body);
    stats.requests++;
    const where = `${route.method} ${path.slice(0, 200)} ${JSON.stringify(headers).slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`5xx: ${where}`);
    if (leaksInternals(res.text)) throw new Error(`internals in the answer: ${where}`);
    if (res.status >= 400) {
      stats.refused++;
      if (!isBilingualCatalogBody(res.body)) throw new Error(`not a bilingual catalog body: ${where}`);
      const after = await tableCounts(gw.db);
      if (JSON.stringify(after) !== JSON.stringify(before))
        throw new Error(`refused but wrote: ${where}\nbefore ${JSON.stringify(before)}\nafter  ${JSON.stringify(after)}`);
    } else {
      stats.accepted++;
    }
    return res;
  }

  function bodyRequest(route: Route, path: string, body: Buffer | string, extra: Record<string, string | string[]> = {}) {
    const headers = {
      'content-type': route.path === '/oauth2/token' ? 'application/x-www-form-urlencoded' : decisionType(path),
      ...authHeaders(route, path, body),
      ...extra,
    };
    return probe(route, path, body, headers);
  }

  // Percent-encodes the UTF-8 bytes (encodeURIComponent throws on an unpaired surrogate).
  const encodeSegment = (s: string) =>
    [...Buffer.from(s, 'utf8')]
      .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
      .join('');
  const pathOf = (route: Route, segment = 'none') => route.path.replace('{x}', encodeSegment(segment));

  it('JSON bodies: random JSON, wrong types, huge strings and arrays, deep nesting, unicode edge cases, injection strings', async () => {
    for (const route of routes.filter((r) => r.body)) {
      await fc.assert(
        fc.asyncProperty(hostileBody(route.body!()), fc.constantFrom(sp.clientId, 'none', randomUUID(), pendingTx), async (body, segment) => {
          const raw =
            route.path === '/oauth2/token'
              ? new URLSearchParams(
                  Object.entries(typeof body === 'object' && body ? body : { v: body }).map(
                    ([k, v]) => [k, typeof v === 'string' ? v : String(JSON.stringify(v))] as [string, string],
                  ),
                ).toString()
              : JSON.stringify(body);
          if (raw === undefined) return;
          await bodyRequest(route, pathOf(route, segment), raw);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
  }, 120_000);

  it('raw bodies: broken JSON, prototype pollution, bytes that are not UTF-8', async () => {
    for (const route of routes.filter((r) => r.body)) {
      await fc.assert(
        fc.asyncProperty(rawHostileBody, async (raw) => {
          await bodyRequest(route, pathOf(route, 'none'), raw);
        }),
        { numRuns: Math.max(4, Math.floor(RUNS / 2)), endOnFailure: true },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('path segments and query strings: injection, unicode, huge values', async () => {
    for (const route of routes) {
      const segment = route.path.includes('{x}') ? nastyString : fc.constant('none');
      const query = route.query
        ? fc.dictionary(
            fc.oneof(fc.constantFrom(...route.query), nastyString),
            fc.oneof(
              nastyString,
              hostileValue.map((v) => JSON.stringify(v) ?? ''),
            ),
            { maxKeys: 4 },
          )
        : fc.constant({});
      await fc.assert(
        fc.asyncProperty(segment, query, async (seg, q) => {
          const qs = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v).slice(0, 4000)] as [string, string])).toString();
          const path = `${pathOf(route, seg.slice(0, 2000))}${qs ? `?${qs}` : ''}`;
          const body = route.body ? JSON.stringify(route.body()) : undefined;
          const headers = { ...(body ? { 'content-type': decisionType(path) } : {}), ...authHeaders(route, path, body) };
          await probe(route, path, body, headers);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
  }, 120_000);

  it('headers: missing, forged, duplicated and conflicting credentials, wrong media types, oversized bodies', async () => {
    const forged = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: sp.clientId, scope: 'muwafaqa:admin' })).toString('base64url')}.`;
    for (const route of routes) {
      const path = pathOf(route, route.path.includes('consents/{x}') ? pendingTx : 'none');
      const body = route.body ? JSON.stringify(route.body()) : undefined;
      const good = authHeaders(route, path, body);
      const ct: Record<string, string> = body
        ? { 'content-type': route.path === '/oauth2/token' ? 'application/x-www-form-urlencoded' : decisionType(path) }
        : {};
      const variants: Record<string, string | string[]>[] = [
        { ...ct },
        { ...ct, authorization: 'Bearer not-a-token' },
        { ...ct, authorization: `Bearer ${forged}` },
        { ...ct, authorization: 'Basic ' + Buffer.from('a:b').toString('base64') },
        { ...ct, authorization: `Bearer ${'A'.repeat(6000)}` },
      ];
      if (route.auth !== 'none') {
        // The same credential header twice, the second one a different caller's.
        variants.push({ ...ct, ...good, authorization: [good.authorization, `Bearer ${route.auth === 'admin' ? userBearer : admin}`] });
      }
      if (route.auth === 'sp') {
        variants.push(
          { ...ct, ...good, 'x-timestamp': [good['x-timestamp'], String(Date.now() - 1)] },
          { ...ct, ...good, 'x-uaepass-signature': [good['x-uaepass-signature'], good['x-uaepass-signature']] },
          { ...ct, ...good, 'x-up-accesstoken': [spTokens.access_token, 'other'] },
          { ...ct, ...good, 'x-timestamp': 'NaN' },
          { ...ct, ...good, 'x-timestamp': '-300000' },
          { ...ct, ...good, 'x-timestamp': '99999999999999999999' },
        );
      }
      if (body) {
        variants.push(
          { ...good, 'content-type': 'text/plain' },
          { ...good, 'content-type': 'application/xml' },
          { ...good, 'content-type': ['application/json', 'text/plain'] },
          { ...good, 'content-type': 'application/json; charset=latin1' },
        );
      }
      for (const headers of variants) {
        const res = await probe(route, path, body, headers);
        // A credential variant that is not the caller's own is never let in.
        if (route.auth !== 'none' && headers !== variants[variants.length - 1] && !('x-up-accesstoken' in headers) && !headers['x-timestamp']) {
          expect(res.status).toBeGreaterThanOrEqual(400);
        }
      }
      if (route.method !== 'GET') {
        const big = JSON.stringify({ pad: 'x'.repeat(gw.config.bodyLimitBytes + 10) });
        const res = await probe(route, path, big, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(big)),
          ...authHeaders(route, path, big),
        });
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 413, code: 'REQ_1000002' });
      }
    }
  }, 120_000);

  it('still serves a valid request afterwards, and the pending request is intact', async () => {
    const res = await spClient.status('tx_unknown');
    expect(res.status).toBe(404);
    const other = await createUser(gw);
    const sent = await spClient.send(sendBody(sp, other));
    expect(sent.body).toEqual(expect.objectContaining({ transactionStatus: 'TRIGGERED' }));
  });
});
