import fs from 'node:fs';
import { randomInt } from 'node:crypto';
import {
  adminCall,
  appCall,
  decide,
  eventually,
  expectCatalogError,
  http,
  newEmiratesId,
  onboardSp,
  sendBody,
  SpClient,
  SpCredentials,
  userToken,
} from '../support/clients';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { FakeApns } from '../support/fakes/fake-apns';
import { FakeFcm } from '../support/fakes/fake-fcm';
import { Gateway, startGateway } from '../support/gateway';

/** Every way an identifier could be written down: as sent, without dashes, with dashes, lower case. */
function forms(identifier: string): string[] {
  const bare = identifier.replace(/-/g, '');
  const dashed = /^784\d{12}$/.test(bare) ? `${bare.slice(0, 3)}-${bare.slice(3, 7)}-${bare.slice(7, 14)}-${bare[14]}` : bare;
  return [...new Set([identifier, bare, dashed, bare.toLowerCase()])];
}

/**
 * Everything the gateway writes to stdout. Pino writes through sonic-boom (fs.write/fs.writeSync
 * on fd 1), Nest through process.stdout: all three are tapped, and still printed nowhere.
 */
function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const keep = (data: unknown) => chunks.push(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
  const fsMod = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = { write: fsMod.write, writeSync: fsMod.writeSync, stdout: process.stdout.write };
  fsMod.writeSync = function (fd: unknown, data: unknown, ...rest: unknown[]) {
    if (fd === 1) {
      keep(data);
      return Buffer.byteLength(typeof data === 'string' ? data : String(data));
    }
    return original.writeSync.call(fs, fd, data, ...rest);
  };
  fsMod.write = function (fd: unknown, data: unknown, ...rest: unknown[]) {
    if (fd === 1) {
      keep(data);
      const cb = rest.find((r) => typeof r === 'function') as ((err: null, n: number) => void) | undefined;
      const n = Buffer.byteLength(typeof data === 'string' ? data : String(data));
      if (cb) process.nextTick(() => cb(null, n));
      return undefined;
    }
    return original.write.call(fs, fd, data, ...rest);
  };
  process.stdout.write = ((data: unknown) => {
    keep(data);
    return true;
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      fsMod.write = original.write;
      fsMod.writeSync = original.writeSync;
      process.stdout.write = original.stdout;
    },
  };
}

/** Every key under the gateway's prefixes (its own and BullMQ's hash-tagged one), dumped as text. */
async function dumpRedis(gw: Gateway): Promise<{ keys: number; text: string }> {
  const keys = new Set<string>();
  for (const pattern of [`${gw.config.redisPrefix}:*`, `{${gw.config.redisPrefix}}:*`]) {
    let cursor = '0';
    do {
      const [next, batch] = await gw.redis.scan(
        cursor,
        'MATCH',
        pattern.replace(/[{}]/g, (c) => `\\${c}`),
        'COUNT',
        1000,
      );
      batch.forEach((k) => keys.add(k));
      cursor = next;
    } while (cursor !== '0');
  }
  const parts: string[] = [];
  for (const key of keys) {
    const type = await gw.redis.type(key);
    const value =
      type === 'string'
        ? await gw.redis.get(key)
        : type === 'hash'
          ? await gw.redis.hgetall(key)
          : type === 'list'
            ? await gw.redis.lrange(key, 0, -1)
            : type === 'set'
              ? await gw.redis.smembers(key)
              : type === 'zset'
                ? await gw.redis.zrange(key, 0, -1, 'WITHSCORES')
                : type === 'stream'
                  ? await gw.redis.xrange(key, '-', '+')
                  : null;
    parts.push(`${key} ${JSON.stringify(value)}`);
  }
  return { keys: keys.size, text: parts.join('\n') };
}

describe('no plaintext identifier anywhere: tables, logs, queue jobs, pushes, callbacks', () => {
  let gw: Gateway;
  let logs: ReturnType<typeof captureStdout>;
  let fcm: FakeFcm;
  let apns: FakeApns;
  let receiver: CallbackReceiver;
  let owner: SpCredentials;
  let token: string;
  let userId: string;
  let otherUserId: string;
  let requesterSp: SpCredentials;
  const emiratesId = newEmiratesId();
  const passport = `N${randomInt(1_000_000, 9_999_999)}`;
  const requestorId = newEmiratesId();
  const otherUsersId = newEmiratesId();
  const unknownId = newEmiratesId();
  const additionalSecret = `addl-${randomInt(1e9, 9e9)}`;
  const txIds: string[] = [];
  let otherTxId: string;

  beforeAll(async () => {
    fcm = await new FakeFcm().start();
    apns = await new FakeApns().start();
    receiver = await new CallbackReceiver().start();
    logs = captureStdout();
    gw = await startGateway({ LOG_LEVEL: 'info', ...fcm.env(), ...apns.env() });

    owner = await onboardSp(gw, {
      name: 'Emirates NBD',
      nameAr: 'بنك الإمارات دبي الوطني',
      callbackUrl: receiver.url,
      callbackApiKey: 'callback-key-0123456789abcdef',
    });
    requesterSp = await onboardSp(gw, { name: 'Dubai Insurance', nameAr: 'دبي للتأمين' });
    const created = await adminCall(gw, 'POST', '/admin/v1/users', {
      name: 'Fatima Al Mansoori',
      nameAr: 'فاطمة المنصوري',
      verified: true,
      documents: [
        { idDocType: 'EMIRATES_ID', identifier: emiratesId },
        { idDocType: 'PASSPORT', identifier: passport },
      ],
    });
    expect(created.status).toBe(201);
    userId = created.body.id;
    token = await userToken(gw, userId);
    for (const device of [
      { platform: 'fcm', pushToken: `fcm-token-${randomInt(1e9, 9e9)}`, locale: 'en' },
      { platform: 'apns', pushToken: 'ab'.repeat(32), locale: 'ar' },
    ]) {
      const reg = await http(`${gw.url}/app/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(device),
      });
      expect(reg.status).toBe(201);
    }
    const other = await adminCall(gw, 'POST', '/admin/v1/users', {
      name: 'Other Person',
      nameAr: 'شخص آخر',
      verified: true,
      documents: [{ idDocType: 'EMIRATES_ID', identifier: otherUsersId }],
    });
    otherUserId = other.body.id;

    const client = new SpClient(gw, owner);
    const user = { id: userId, emiratesId };
    // spToSp, by Emirates ID with dashes; the user accepts.
    const spToSp = await client.send(sendBody(owner, user, { requestedById: requesterSp.clientId }));
    expect(spToSp.status).toBe(201);
    // peerToPeer, by passport, with the requestor's Emirates ID (no dashes) and additionalInfo; the user rejects.
    const p2p = sendBody(owner, user, {
      identifier: passport,
      idDocType: 'PASSPORT',
      requestType: 'peerToPeer',
      requestedById: undefined,
      requestor: {
        name: 'Omar Al Hammadi',
        nameAr: 'عمر الحمادي',
        identifier: requestorId.replace(/-/g, ''),
        idType: 'EMIRATES_ID',
        additionalInfo: { note: additionalSecret },
      },
    });
    expect((await client.validate(p2p)).status).toBe(200);
    const peer = await client.send(p2p);
    expect(peer.status).toBe(201);
    txIds.push(spToSp.body.uaePassTransactionID, peer.body.uaePassTransactionID);
    const otherTx = await client.send(sendBody(owner, { id: otherUserId, emiratesId: otherUsersId }));
    otherTxId = otherTx.body.uaePassTransactionID;
    // Refusals that carried identifiers: an unknown person, and one with a wrong check digit.
    expectCatalogError(await client.send(sendBody(owner, { id: '', emiratesId: unknownId })), 404, '0001');
    const bad = unknownId.slice(0, -1) + String((Number(unknownId.slice(-1)) + 1) % 10);
    expectCatalogError(await client.send(sendBody(owner, { id: '', emiratesId: bad })), 400, 'UMS_VAL_025');

    await eventually(async () => fcm.sends.length >= 2 && apns.pushes.length >= 2, 10_000, 'pushes to both devices');
    expect((await decide(gw, token, txIds[0], { accept: true })).status).toBe(200);
    expect((await decide(gw, token, txIds[1], { accept: false })).status).toBe(200);
    await eventually(async () => receiver.received.length >= 2, 10_000, 'callbacks to the SP');
    // Operators read the transaction (masked) and the user exports their history.
    expect((await adminCall(gw, 'GET', `/admin/v1/transactions/${txIds[0]}`)).status).toBe(200);
  });

  afterAll(async () => {
    logs?.restore();
    await gw?.close();
    await fcm?.stop();
    await apns?.stop();
    await receiver?.stop();
  });

  const secrets = () => [...forms(emiratesId), ...forms(passport), ...forms(requestorId), ...forms(otherUsersId), ...forms(unknownId), additionalSecret];
  const hits = (text: string) => secrets().filter((s) => text.toLowerCase().includes(s.toLowerCase()));

  it('finds none in any text or JSON column of any table', async () => {
    const columns: { table_name: string; column_name: string }[] = (
      await gw.db.query(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
          WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            -- a partition's rows are scanned through its parent (consent tables are partitioned by month)
            AND NOT EXISTS (SELECT 1 FROM pg_class p WHERE p.relname = c.table_name AND p.relnamespace = c.table_schema::regnamespace AND p.relispartition)
          ORDER BY 1, 2`,
      )
    ).rows;
    const scanned = columns.map((c) => `${c.table_name}.${c.column_name}`);
    expect(scanned).toEqual(
      expect.arrayContaining([
        'user_documents.identifier_enc',
        'user_documents.identifier_hash',
        'consent_transactions.requestor_enc',
        'consent_events.detail',
        'outbox.payload',
        'access_log.subject_id',
      ]),
    );
    const scan = async (needles: string[]) => {
      const found: string[] = [];
      let rowsSeen = 0;
      for (const c of columns) {
        const q = await gw.db.query(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE "${c.column_name}"::text ILIKE ANY($1))::int AS hits FROM "${c.table_name}" WHERE "${c.column_name}" IS NOT NULL`,
          [needles.map((s) => `%${s}%`)],
        );
        rowsSeen += q.rows[0].n;
        if (q.rows[0].hits > 0) found.push(`${c.table_name}.${c.column_name}`);
      }
      return { found, rowsSeen };
    };
    const { found, rowsSeen } = await scan(secrets());
    expect(found).toEqual([]);
    expect(rowsSeen).toBeGreaterThan(50); // the flow wrote rows: the scan looked at something
    // The scan does see what is stored in the clear (names are, identifiers are not).
    expect((await scan(['Fatima Al Mansoori', 'Omar Al Hammadi'])).found).toEqual(['consent_transactions.requestor_name', 'user_profiles.name']);
  });

  it('finds none in the captured logs of the whole flow', async () => {
    const text = logs.text();
    // The capture worked: request lines of the flow are there.
    expect(text).toContain('/api/v1/consent/transaction/send');
    expect(text).toContain(`/app/v1/consents/${txIds[0]}/decision`);
    expect(hits(text)).toEqual([]);
  });

  it('finds none in the BullMQ job data (or any other key) in Redis', async () => {
    const { keys, text } = await dumpRedis(gw);
    expect(keys).toBeGreaterThan(5);
    expect(text).toContain('push-notifications');
    expect(text).toContain('sp-callbacks');
    expect(text).toContain(txIds[0]); // job data is there to be scanned
    expect(hits(text)).toEqual([]);
  });

  it('finds none in the pushes the fake FCM and APNs received, nor in the SP callbacks', async () => {
    const wire = [
      ...fcm.sends.map((s) => s.rawBody),
      ...apns.pushes.map((p) => p.rawBody),
      ...receiver.received.map((r) => r.rawBody + JSON.stringify(r.headers)),
    ].join('\n');
    expect(wire).toContain(txIds[0]);
    expect(hits(wire)).toEqual([]);
  });

  it('finds none in the metrics', async () => {
    const metrics = await http(`${gw.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(hits(metrics.text)).toEqual([]);
  });

  it('masks identifiers in the operator view', async () => {
    const res = await adminCall(gw, 'GET', `/admin/v1/transactions/${txIds[0]}`);
    expect(res.body.user.identifier).toBe(`784-****-*******-${emiratesId.slice(-1)}`);
    expect(hits(res.text)).toEqual([]);
  });

  describe("the user's rights", () => {
    it("GET /app/v1/me/export: their whole history, masked identifiers, never another user's data", async () => {
      const res = await appCall(gw, token, 'GET', '/app/v1/me/export');
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: userId, name: 'Fatima Al Mansoori', nameAr: 'فاطمة المنصوري', verified: true });
      expect(res.body.user.documents).toEqual([
        { idDocType: 'EMIRATES_ID', identifier: `784-****-*******-${emiratesId.slice(-1)}` },
        { idDocType: 'PASSPORT', identifier: `N${'*'.repeat(passport.length - 2)}${passport.slice(-1)}` },
      ]);
      expect(res.body.transactions.map((t: { uaePassTransactionID: string }) => t.uaePassTransactionID)).toEqual(txIds);
      const [accepted, rejected] = res.body.transactions;
      expect(accepted).toMatchObject({
        spId: owner.clientId,
        requestType: 'spToSp',
        requestedById: requesterSp.clientId,
        purpose: 'Opening a bank account',
        purposeAr: 'فتح حساب مصرفي',
        status: 'ACCEPTED',
        receipt: expect.any(String),
        documents: [
          { type: 'EMIRATES_ID', name: 'Emirates ID', nameAr: 'الهوية الإماراتية', accepted: true, mustBeAccepted: false, metadata: expect.any(Array) },
        ],
      });
      expect(accepted.events.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
        [null, 'TRIGGERED'],
        ['TRIGGERED', 'ACCEPTED'],
      ]);
      // The requestor is another person: names as shown in the app, never their identifier or additionalInfo.
      expect(rejected).toMatchObject({
        status: 'REJECTED',
        requestType: 'peerToPeer',
        requestor: { name: 'Omar Al Hammadi', nameAr: 'عمر الحمادي', idType: 'EMIRATES_ID' },
      });
      expect(res.body.serviceProviders).toEqual(
        [owner, requesterSp]
          .map((s) => ({ spId: s.clientId, name: expect.any(String), nameAr: expect.any(String) }))
          .sort((a, b) => a.spId.localeCompare(b.spId)),
      );
      expect(res.text).not.toContain(otherTxId);
      expect(res.text).not.toContain(otherUserId);
      expect(hits(res.text)).toEqual([]);
    });

    it('GET /app/v1/me/recipients: every SP that received a consent from them', async () => {
      const res = await appCall(gw, token, 'GET', '/app/v1/me/recipients');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ spId: requesterSp.clientId, name: 'Dubai Insurance', nameAr: 'دبي للتأمين', asRequester: 1, asDataOwner: 0, active: 1 }),
          expect.objectContaining({ spId: owner.clientId, name: 'Emirates NBD', asRequester: 0, asDataOwner: 1, active: 1 }),
        ]),
      );
      expect(res.body.items).toHaveLength(2); // the rejected peerToPeer request gave no consent
      // The other user consented to nothing.
      const other = await appCall(gw, await userToken(gw, otherUserId), 'GET', '/app/v1/me/recipients');
      expect(other.body).toEqual({ items: [] });
    });

    it('answers only to users', async () => {
      expectCatalogError(await http(`${gw.url}/app/v1/me/export`), 401, (await http(`${gw.url}/app/v1/me/export`)).body.code);
      const asAdmin = await adminCall(gw, 'GET', '/app/v1/me/export');
      expectCatalogError(asAdmin, 403, 'SEC_1000007');
    });
  });
});
