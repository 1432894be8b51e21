import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ConsentTransitions } from '../../src/consent/consent-transitions.service';
import { DECISION_MEDIA_TYPE } from '../../src/app.factory';
import { adminCall, clientToken, createUser, http, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { ADMIN_SECRET, Gateway, startGateway } from '../support/gateway';

/** Every header value and response field the test sends or receives that must never be stored or logged. */
class SecretLedger {
  readonly values = new Set<string>();

  add(...values: (string | undefined | null)[]) {
    for (const v of values) if (v && v.length >= 8) this.values.add(v);
  }

  /** Values found in `text` (a JWT is also looked for by its signature part alone). */
  foundIn(text: string): string[] {
    const hits: string[] = [];
    for (const v of this.values) {
      const parts = v.split('.');
      const needles = parts.length === 3 && parts[2].length > 20 ? [v, parts[2]] : [v];
      if (needles.some((n) => text.includes(n))) hits.push(v.slice(0, 12) + '…');
    }
    return hits;
  }
}

/** A real SP callback receiver on loopback. */
async function startReceiver(): Promise<{ url: string; calls: { headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> }> {
  const calls: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      calls.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/consent/transaction/callback`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

describe('nothing to steal: logs and storage hold no secret, token, signature or identifier', () => {
  let gw: Gateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const ledger = new SecretLedger();
  const logs: string[] = [];
  const realStdout = process.stdout.write.bind(process.stdout);
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    // pino writes to process.stdout when its write is replaced (it checks for that at creation).
    const capture = (chunk: unknown, encoding?: unknown, done?: unknown) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = typeof encoding === 'function' ? encoding : done;
      if (typeof callback === 'function') process.nextTick(callback as () => void);
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    // Record every credential the test puts on the wire and every secret the gateway hands out.
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      ledger.add(headers.get('authorization')?.replace(/^(Bearer|Basic) /i, ''), headers.get('x-up-accesstoken'), headers.get('x-uaepass-signature'));
      const res = await realFetch(input, init);
      const text = await res.clone().text();
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        for (const k of ['access_token', 'id_token', 'clientSecret', 'signingSecret']) ledger.add(body[k] as string);
      } catch {
        /* not JSON */
      }
      return res;
    };
    receiver = await startReceiver();
    gw = await startGateway({ LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
    globalThis.fetch = realFetch;
    process.stdout.write = realStdout;
  });

  it('runs a full flow, attacks included, and no log line carries any of its secrets', async () => {
    const callbackApiKey = 'cb-api-key-3f9a1c77e0d24b5b9d7e';
    ledger.add(callbackApiKey, ADMIN_SECRET);
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey });
    const user = await createUser(gw);
    ledger.add(user.emiratesId, user.emiratesId.replace(/-/g, ''));
    const uToken = await userToken(gw, user.id);
    const client = new SpClient(gw, sp);

    // Happy path: device, send, validate, status, decide, callback.
    await http(`${gw.url}/app/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'sse', pushToken: 'reference-app-tab' }),
    });
    const body = sendBody(sp, user);
    const sent = await client.send(body);
    expect(sent.status).toBe(201);
    expect((await client.validate(sendBody(sp, user))).status).toBe(200);
    expect((await client.status(body.spTransactionID)).status).toBe(200);
    const decided = await http(`${gw.url}/app/v1/consents/${sent.body.uaePassTransactionID}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uToken}`, 'content-type': DECISION_MEDIA_TYPE },
      body: JSON.stringify({ accept: true }),
    });
    if (decided.status !== 200) {
      // The push may already have failed (no live SSE tab): any decided state still calls the SP back.
      await gw.app.get(ConsentTransitions).tryTransition(sent.body.uaePassTransactionID, 'ACCEPTED', `user:${user.id}`);
    }
    await http(`${gw.url}/app/v1/consents`, { headers: { authorization: `Bearer ${uToken}` } });
    const second = sendBody(sp, user);
    await client.send(second);
    await client.cancel(second.spTransactionID);

    // Signing secret rotation.
    const rotated = await adminCall(gw, 'POST', `/admin/v1/service-providers/${sp.clientId}/signing-secrets`);
    expect(rotated.status).toBe(201);
    await client.status(body.spTransactionID, { secret: rotated.body.signingSecret });

    // Attacks: wrong secret at the token endpoint, bad signature, replay, stale timestamp, forged token.
    await clientToken(gw, sp.clientId, `${sp.clientSecret}x`);
    await client.status(body.spTransactionID, { secret: 'a-guessed-signing-secret' });
    const ts = Date.now();
    await client.status(body.spTransactionID, { timestamp: ts });
    await client.status(body.spTransactionID, { timestamp: ts });
    await client.status(body.spTransactionID, { timestamp: ts - 400_000 });
    await client.status(body.spTransactionID, { headers: { 'x-up-accesstoken': `${(await client.tokenPair()).access_token}x` } });
    await client.send({ ...sendBody(sp, user), identifier: '784-1990-1234567-0' });
    ledger.add('784-1990-1234567-0', '784199012345670');

    // Let the workers (push, callback) run; the callback, when wired, carries the API key and a signature.
    const deadline = Date.now() + 5000;
    while (receiver.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const call of receiver.calls) ledger.add(call.headers['x-uaepass-signature'] as string);
    expect(receiver.calls[0]?.headers['x-api-key']).toBe(callbackApiKey);
    await new Promise((r) => setTimeout(r, 200)); // let pino flush the last lines

    const text = logs.join('');
    // The capture really saw the gateway's request logs.
    expect(text).toContain('"statusCode":201');
    expect(text).toContain('/api/v1/consent/transaction/send');
    expect(ledger.values.size).toBeGreaterThan(15);
    expect(ledger.foundIn(text)).toEqual([]);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no JWT of any kind
  });

  it('stores client secrets as scrypt hashes and signing secrets, callback API keys and private keys encrypted', async () => {
    const sp = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: 'another-callback-key-91b2' });
    const row = (await gw.db.query(`SELECT client_secret_hash, callback_api_key_enc FROM service_providers WHERE client_id = $1`, [sp.clientId])).rows[0];
    expect(row.client_secret_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(row.callback_api_key_enc).toMatch(/^v1\./);
    const secrets = (await gw.db.query(`SELECT secret_enc FROM sp_signing_secrets WHERE sp_id = $1`, [sp.clientId])).rows;
    expect(secrets).toHaveLength(1);
    expect(secrets[0].secret_enc).toMatch(/^v1\./);
    const admin = (await gw.db.query(`SELECT client_secret_hash FROM admin_clients`)).rows;
    for (const a of admin) expect(a.client_secret_hash).toMatch(/^scrypt\$/);
    const keys = (await gw.db.query(`SELECT public_jwk, private_jwk_enc FROM token_signing_keys`)).rows;
    for (const k of keys) {
      expect(k.public_jwk.d).toBeUndefined();
      expect(k.private_jwk_enc).toMatch(/^v1\./);
    }
    ledger.add('another-callback-key-91b2');
  });

  it('holds none of those values anywhere in the database or in Redis', async () => {
    const tables: { table_name: string }[] = (
      await gw.db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
    ).rows;
    let dump = '';
    for (const { table_name } of tables) {
      const rows = (await gw.db.query(`SELECT t::text AS row FROM "${table_name}" t`)).rows as { row: string }[];
      dump += rows.map((r) => r.row).join('\n');
    }
    expect(dump.length).toBeGreaterThan(1000);
    expect(ledger.foundIn(dump)).toEqual([]);

    let redisDump = '';
    for (const key of await gw.redis.keys(`${gw.config.redisPrefix}*`)) {
      redisDump += key + '\n';
      const type = await gw.redis.type(key);
      if (type === 'string') redisDump += (await gw.redis.get(key)) ?? '';
      if (type === 'hash') redisDump += JSON.stringify(await gw.redis.hgetall(key));
      if (type === 'list') redisDump += (await gw.redis.lrange(key, 0, -1)).join('\n');
      if (type === 'set') redisDump += (await gw.redis.smembers(key)).join('\n');
      if (type === 'zset') redisDump += (await gw.redis.zrange(key, 0, -1)).join('\n');
      if (type === 'stream') redisDump += JSON.stringify(await gw.redis.xrange(key, '-', '+'));
    }
    // Replay records are keyed by the signature's digest, not the signature.
    expect(redisDump).toContain(':replay:');
    expect(ledger.foundIn(redisDump)).toEqual([]);
  });
});
