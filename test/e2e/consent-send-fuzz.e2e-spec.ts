import fc from 'fast-check';
import type { Gateway } from '../support/gateway';
import { HttpResult, sendBody, SpClient, SpCredentials, startWithSpAndUser, TestUser, uniqueId } from '../support/clients';
import { consentRowCounts } from '../support/consent-rows';
import { ERROR_CATALOG } from '../../src/common/errors/error-catalog';

/**
 * Random and malformed bodies, correctly signed so they get past the signature and reach
 * validation: the gateway never answers 500, every refusal is a catalog code in both languages
 * with the catalog's status, and a refusal writes nothing.
 */
describe('POST /api/v1/consent/transaction/send: property-based', () => {
  let gw: Gateway;
  let sp: SpCredentials;
  let client: SpClient;
  let user: TestUser;

  beforeAll(async () => {
    // No workers: nothing moves in the background, so row counts before and after are exact.
    ({ gw, sp, client, user } = await startWithSpAndUser({ WORKERS_IN_PROCESS: 'false', IDENTIFIER_PROBE_BUDGET: '1000000' }));
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Strings as hostile as JSON allows: NUL, lone surrogates, RTL marks, Arabic, very long. */
  const nastyString = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udc00y',
      '\u202e',
      'ع',
      ' ',
      '',
      '784-1990-1234567-1',
      'EMIRATES_ID',
      'peerToPeer',
      'spToSp',
      '__proto__',
      'constructor',
    ),
    fc.string({ minLength: 200, maxLength: 2000 }),
  );
  const anyValue = fc.oneof(fc.jsonValue(), nastyString, fc.constant(null), fc.array(nastyString), fc.dictionary(nastyString, nastyString));
  /** Stands for `{"a":{"a":…"x"…}}` nested n deep; spliced in as text (JSON.stringify would overflow the test's own stack). */
  const DEEP = /"__deep_(\d+)__"/g;
  const deepObject = fc.integer({ min: 17, max: 5000 }).map((depth) => `__deep_${depth}__`);
  const spliceDeep = (raw: string) => raw.replace(DEEP, (_m, n: string) => '{"a":'.repeat(Number(n)) + '"x"' + '}'.repeat(Number(n)));

  const FIELD_PATHS = [
    ['identifier'],
    ['idDocType'],
    ['requestedById'],
    ['spId'],
    ['spTransactionID'],
    ['purpose'],
    ['purposeAr'],
    ['requestType'],
    ['requestor'],
    ['requestor', 'name'],
    ['requestor', 'identifier'],
    ['requestor', 'idType'],
    ['requestor', 'additionalInfo'],
    ['content'],
    ['content', 'documents'],
    ['content', 'documents', 0],
    ['content', 'documents', 0, 'name'],
    ['content', 'documents', 0, 'type'],
    ['content', 'documents', 0, 'metadata'],
    ['content', 'documents', 0, 'metadata', 0],
    ['content', 'documents', 0, 'metadata', 0, 'displayName'],
    ['content', 'documents', 0, 'metadata', 0, 'displayNameAr'],
    ['content', 'documents', 0, 'mustBeAccepted'],
  ] as (string | number)[][];

  function setPath(target: any, path: (string | number)[], value: unknown): void {
    let node = target;
    for (const key of path.slice(0, -1)) {
      if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof key === 'number' ? [] : {};
      node = node[key];
    }
    node[path[path.length - 1]] = value;
  }

  /** A valid body with one to three fields replaced by anything (or removed). */
  const mutatedBody = fc
    .tuple(
      fc.boolean(),
      fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), fc.oneof(anyValue, deepObject, fc.constant(undefined))), { minLength: 1, maxLength: 3 }),
    )
    .map(([peer, mutations]) => {
      const body: Record<string, unknown> = JSON.parse(JSON.stringify(sendBody(sp, user, { spTransactionID: uniqueId('fz') })));
      if (peer) {
        body.requestType = 'peerToPeer';
        delete body.requestedById;
        body.requestor = { name: 'Omar', nameAr: 'عمر', identifier: 'B7654321', idType: 'PASSPORT', additionalInfo: { k: 'v' } };
      }
      for (const [path, value] of mutations) setPath(body, path, value);
      return body;
    });

  /** Bodies that are not even a send request: any JSON at all. */
  const randomBody = fc.oneof(fc.jsonValue(), fc.dictionary(nastyString, anyValue), fc.array(anyValue));

  async function check(body: unknown): Promise<void> {
    const before = await consentRowCounts(gw);
    const raw = spliceDeep(JSON.stringify(body) ?? 'null');
    const res: HttpResult = await client.send(undefined, { rawBody: raw });
    expect(res.status).not.toBeGreaterThanOrEqual(500);
    if (res.status === 201) {
      const spTransactionID = (body as { spTransactionID: string }).spTransactionID;
      const rows = await gw.db.query(`SELECT id FROM consent_transactions WHERE sp_id = $1 AND sp_transaction_id = $2`, [sp.clientId, spTransactionID]);
      expect(rows.rows).toEqual([{ id: res.body.uaePassTransactionID }]);
      return;
    }
    const entry = (ERROR_CATALOG as Record<string, { status: number }>)[res.body?.code];
    expect({ code: res.body?.code, known: entry !== undefined, status: res.status }).toEqual({ code: res.body?.code, known: true, status: entry?.status });
    expect(typeof res.body.desc.en === 'string' && res.body.desc.en.trim().length > 0).toBe(true);
    expect(typeof res.body.desc.ar === 'string' && res.body.desc.ar.trim().length > 0).toBe(true);
    expect(await consentRowCounts(gw)).toEqual(before);
  }

  it('never answers 500 to a valid body with fields replaced by anything', async () => {
    await fc.assert(fc.asyncProperty(mutatedBody, check), { numRuns: 150 });
  });

  it('never answers 500 to any JSON value at all', async () => {
    await fc.assert(fc.asyncProperty(randomBody, check), { numRuns: 60 });
  });

  it.each([
    ['a NUL in spTransactionID', { spTransactionID: 'a\u0000b' }],
    [
      'a NUL in a document name',
      { content: { documents: [{ name: 'a\u0000', nameAr: 'ب', type: 'T', typeAr: 'ت', metadata: [{ displayName: 'd', displayNameAr: 'د' }] }] } },
    ],
    [
      'a lone surrogate in metadata',
      { content: { documents: [{ name: 'a', nameAr: 'ب', type: 'T', typeAr: 'ت', metadata: [{ displayName: '\ud800', displayNameAr: 'د' }] }] } },
    ],
    ['a NUL in purpose', { purpose: 'x\u0000' }],
  ])('refuses %s with CONS_1000007 (Postgres cannot store it)', async (_what, overrides) => {
    const before = await consentRowCounts(gw);
    const res = await client.send(sendBody(sp, user, overrides));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'CONS_1000007' });
    expect(await consentRowCounts(gw)).toEqual(before);
  });

  it('refuses a deeply nested additionalInfo with CONS_1000007', async () => {
    const body = sendBody(sp, user, {
      requestType: 'peerToPeer',
      requestedById: undefined,
      requestor: { name: 'O', nameAr: 'ع', identifier: 'B7654321', idType: 'PASSPORT', additionalInfo: { deep: '__deep_5000__' } },
    });
    const res = await client.send(undefined, { rawBody: spliceDeep(JSON.stringify(body)) });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'CONS_1000007' });
  });
});
