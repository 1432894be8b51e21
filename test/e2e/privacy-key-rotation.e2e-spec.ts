import { randomBytes } from 'node:crypto';
import { KEY_MATERIAL } from '../../src/common/core.module';
import { normalizeIdentifier } from '../../src/consent/identifier-rules';
import { KeyMaterial } from '../../src/common/key-material';
import { rotateDataKeys } from '../../scripts/rotate-data-key';
import {
  adminCall,
  createUser,
  eventually,
  expectCatalogError,
  http,
  newEmiratesId,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  TestUser,
} from '../support/clients';
import { createTestDatabase, dropTestDatabase, Gateway, startGateway } from '../support/gateway';

const key = () => randomBytes(32).toString('base64');
const OLD = `old:${key()}`;
const NEW = `new:${key()}`;
const HASH_KEY = key();

/** Every `*_enc` value in the database, with the key id written inside it. */
async function encryptedValues(gw: Gateway): Promise<{ table: string; column: string; value: string }[]> {
  const cols: { table_name: string; column_name: string }[] = (
    await gw.db.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND column_name LIKE '%\\_enc' ORDER BY 1, 2`,
    )
  ).rows;
  const out: { table: string; column: string; value: string }[] = [];
  for (const c of cols) {
    const rows = (await gw.db.query(`SELECT "${c.column_name}" AS v FROM "${c.table_name}" WHERE "${c.column_name}" IS NOT NULL`)).rows;
    for (const r of rows) out.push({ table: c.table_name, column: c.column_name, value: r.v });
  }
  return out;
}

const keyIdOf = (sealed: string) => sealed.split('.')[1];

describe('data key rotation (POST /admin/v1/privacy/rotate-data-key, npm run keys:rotate)', () => {
  let databaseUrl: string;
  let gw: Gateway | undefined;
  let sp: SpCredentials;
  let users: TestUser[];
  const start = async (dataKeys: string) => {
    gw = await startGateway({ DATA_KEYS: dataKeys, IDENTIFIER_HASH_KEY: HASH_KEY, PRIVACY_BATCH_SIZE: '2' }, databaseUrl);
    return gw;
  };
  const stop = async () => {
    await gw?.close();
    gw = undefined;
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    await stop();
    await dropTestDatabase(databaseUrl);
  });

  it('writes everything under the only key first', async () => {
    const g = await start(OLD);
    sp = await onboardSp(g, { callbackUrl: 'http://127.0.0.1:9/callback', callbackApiKey: 'callback-api-key-0123456789' });
    users = [await createUser(g), await createUser(g), await createUser(g)];
    const client = new SpClient(g, sp);
    const requestor = { name: 'Omar', nameAr: 'عمر', identifier: newEmiratesId(), idType: 'EMIRATES_ID', additionalInfo: { ref: 'x' } };
    for (const u of users) {
      const res = await client.send(sendBody(sp, u, { requestType: 'peerToPeer', requestedById: undefined, requestor }));
      expect(res.status).toBe(201);
    }
    const values = await encryptedValues(g);
    const tables = new Set(values.map((v) => `${v.table}.${v.column}`));
    expect([...tables].sort()).toEqual(
      expect.arrayContaining([
        'consent_transactions.requestor_enc',
        'service_providers.callback_api_key_enc',
        'sp_signing_secrets.secret_enc',
        'token_signing_keys.private_jwk_enc',
        'user_documents.identifier_enc',
      ]),
    );
    expect(new Set(values.map((v) => keyIdOf(v.value)))).toEqual(new Set(['old']));
    await stop();
  });

  it('re-encrypts every value under the new key while the gateway serves, in batches', async () => {
    const g = await start(`${NEW},${OLD}`);
    const before = await adminCall(g, 'GET', '/admin/v1/privacy/data-keys');
    expect(before.status).toBe(200);
    expect(before.body.activeKeyId).toBe('new');
    expect(before.body.remaining).toBeGreaterThanOrEqual(9); // 3 identifiers, 3 requestors, SP secrets, token key

    const started = await adminCall(g, 'POST', '/admin/v1/privacy/rotate-data-key');
    expect(started.status).toBe(202);
    expect(started.body.activeKeyId).toBe('new');
    // The service keeps answering meanwhile: a send for a user whose identifier is being rotated.
    const during = await new SpClient(g, sp).send(sendBody(sp, users[0]));
    expect(during.status).toBe(201);

    const done = await eventually(
      async () => {
        const r = await adminCall(g, 'GET', '/admin/v1/privacy/data-keys');
        return !r.body.running && r.body.lastRun ? r.body : null;
      },
      15_000,
      'rotation to finish',
    );
    expect(done.remaining).toBe(0);
    expect(done.lastRun).toMatchObject({ activeKeyId: 'new', undecryptable: [] });
    expect(done.lastRun.reencrypted).toBeGreaterThanOrEqual(9);
    // Every value of every encrypted column is under the new key (a column may hold no value at all).
    for (const c of done.columns) expect(Object.keys(c.byKeyId).filter((k) => k !== 'new')).toEqual([]);
    expect(done.columns.some((c: { byKeyId: Record<string, number> }) => c.byKeyId.new > 0)).toBe(true);
    expect((await encryptedValues(g)).filter((v) => keyIdOf(v.value) !== 'new')).toEqual([]);
    await stop();
  });

  it('after the old key is removed, lookup by identifier, signatures, tokens and every decrypt still work', async () => {
    const g = await start(NEW);
    const client = new SpClient(g, sp);
    // Token (private key decrypted), signed request (signing secret decrypted), lookup by identifier hash.
    for (const u of users) expect((await client.send(sendBody(sp, u))).status).toBe(201);
    const box = g.app.get<KeyMaterial>(KEY_MATERIAL).secretBox;
    const values = await encryptedValues(g);
    for (const v of values) expect(() => box.decrypt(v.value)).not.toThrow();
    const ids = (await g.db.query(`SELECT identifier_enc FROM user_documents`)).rows.map((r) => box.decrypt(r.identifier_enc)).sort();
    expect(ids).toEqual(users.map((u) => normalizeIdentifier('EMIRATES_ID', u.emiratesId)).sort());

    // The command finds nothing left to do.
    const { result, report } = await rotateDataKeys(g.config);
    expect(result).toMatchObject({ activeKeyId: 'new', reencrypted: 0, undecryptable: [] });
    expect(report.remaining).toBe(0);
  });

  it('answers only to operators', async () => {
    const g = gw!;
    const res = await http(`${g.url}/admin/v1/privacy/rotate-data-key`, { method: 'POST' });
    expectCatalogError(res, 401, res.body.code);
    expect(res.body.code).toMatch(/^SEC_/);
  });
});
