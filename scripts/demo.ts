/**
 * `npm run demo`: the whole story of a consent, told step by step with timings.
 *
 * With no DATABASE_URL / REDIS_URL it runs the gateway in this process on an embedded Postgres
 * (PGlite) and a local redis-server, in a throw-away data directory. It onboards a demo bank (SP)
 * with a callback receiver on loopback, and a demo user with a simulated phone (an `sse` device),
 * sends a request with the SP SDK, shows the push reaching the phone, accepts it as the user,
 * prints the callback the bank received (verified with the SDK) and the final status.
 * Steps whose feature is missing from this build are skipped with a clear note.
 */
import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallbackVerificationError, ConsentCallback, MuwafaqaClient, MuwafaqaError, verifyCallback } from '../sdk/src';
import { createApp } from '../src/app.factory';
import { sampleSendBody } from '../src/consent/sample-request';
import { loadConfig } from '../src/config/config';
import { withEmiratesIdCheckDigit } from '../src/consent/identifier-rules';
import { startEmbeddedServices } from '../src/main';
import { DECISION_MEDIA_TYPE } from '../src/common/media-types';

const started = Date.now();
let stepNo = 0;
const out = (line = '') => process.stdout.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Prints a numbered step (with the time since the demo began), its details, then how long it took. */
async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  stepNo++;
  const t = Date.now();
  out(`\n[${secs(t - started).padStart(7)}] ${String(stepNo).padStart(2)}. ${title}`);
  const result = await work();
  out(`              ✓ ${secs(Date.now() - t)}`);
  return result;
}
const detail = (text: string) => out(`              ${text}`);
const skipped = (why: string) => detail(`⚠ skipped: ${why}`);

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

/** The demo bank's callback endpoint: records each POST as received (raw bytes), answers 200. */
async function startCallbackReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v1/consent/transaction/callback`, received, server };
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** The simulated phone: an `sse` device whose live stream receives `consent-request` events. */
async function openPhone(base: string, userToken: string) {
  const reg = await fetch(`${base}/app/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'sse', pushToken: `demo-phone-${randomBytes(4).toString('hex')}`, locale: 'en' }),
  });
  if (reg.status !== 201) return { error: `device registration answered ${reg.status}` };
  const deviceId: string = (await json(reg)).id;
  const abort = new AbortController();
  const res = await fetch(`${base}/app/v1/events?access_token=${encodeURIComponent(userToken)}&deviceId=${deviceId}`, { signal: abort.signal });
  if (res.status !== 200 || !res.body) return { error: `event stream answered ${res.status}` };
  const events: { event: string; data: any }[] = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          let parsed: unknown = data;
          try {
            parsed = data ? JSON.parse(data) : undefined;
          } catch {
            /* plain text */
          }
          events.push({ event, data: parsed });
        }
      }
    } catch {
      /* closed at the end of the demo */
    }
  })();
  await waitFor(() => (events.some((e) => e.event === 'ready') ? true : undefined), 5000);
  return { deviceId, events, close: () => abort.abort() };
}

async function main(): Promise<void> {
  out('Muwafaqa demo: a bank asks a user to share her Emirates ID; she accepts on her phone; the bank is called back.');
  const dataDir = mkdtempSync(join(tmpdir(), 'muwafaqa-demo-'));
  const adminSecret = randomBytes(24).toString('base64url');
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_CLIENT_ID: 'demo-admin',
    ADMIN_CLIENT_SECRET: adminSecret,
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'silent',
    WORKERS_IN_PROCESS: 'true',
  });
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const shutdown = async () => {
    for (const clean of cleanups.reverse()) await Promise.resolve(clean()).catch(() => undefined);
  };

  try {
    const base = await step('Start the gateway', async () => {
      const { services, embeddedDatabase } = await startEmbeddedServices(config);
      cleanups.push(async () => {
        for (const s of [...services].reverse()) await s.stop();
      });
      const app = await createApp(config, { embeddedDatabase });
      await app.listen(0, '127.0.0.1');
      cleanups.push(() => app.close());
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
      detail(`listening on ${url}  (docs: ${url}/docs, metrics: ${url}/metrics)`);
      detail(
        `database: ${embeddedDatabase ? `embedded Postgres (PGlite) in ${dataDir}` : 'Postgres from DATABASE_URL'}; Redis: ${process.env.REDIS_URL ? 'REDIS_URL' : 'a local redis-server on ' + config.redisUrl}`,
      );
      return url;
    });

    const receiver = await step("Start the bank's callback endpoint (a tiny HTTP server on loopback)", async () => {
      const r = await startCallbackReceiver();
      cleanups.push(() => new Promise<void>((ok) => r.server.close(() => ok())));
      detail(r.url);
      return r;
    });

    const admin = await step('Operator signs in (OAuth2 client credentials, scope muwafaqa:admin)', async () => {
      const res = await fetch(`${base}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`demo-admin:${adminSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=muwafaqa:admin',
      });
      const body = await json(res);
      if (res.status !== 200) throw new Error(`admin token: ${res.status} ${JSON.stringify(body)}`);
      detail(`POST /oauth2/token → 200, a ${body.expires_in} s bearer token`);
      return async (method: string, path: string, payload?: unknown) => {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${body.access_token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: payload !== undefined ? JSON.stringify(payload) : undefined,
        });
        return { status: r.status, body: await json(r) };
      };
    });

    const callbackApiKey = randomBytes(16).toString('hex');
    const sp = await step('Operator onboards the demo bank (an SP) with its callback URL', async () => {
      const res = await admin('POST', '/admin/v1/service-providers', {
        clientId: 'demo_bank',
        name: 'Demo Bank',
        nameAr: 'البنك التجريبي',
        callbackUrl: receiver.url,
        callbackApiKey,
      });
      if (res.status !== 201) throw new Error(`onboard SP: ${res.status} ${JSON.stringify(res.body)}`);
      detail(
        `POST /admin/v1/service-providers → 201: clientId "${res.body.clientId}", a client secret and a signing secret (shown once, stored hashed/encrypted)`,
      );
      return res.body as { clientId: string; clientSecret: string; signingSecret: string };
    });

    const emiratesId = withEmiratesIdCheckDigit(`784${randomInt(1970, 2000)}${String(randomInt(0, 9_999_999)).padStart(7, '0')}`);
    const identifier = `${emiratesId.slice(0, 3)}-${emiratesId.slice(3, 7)}-${emiratesId.slice(7, 14)}-${emiratesId[14]}`;
    const user = await step('Operator registers the demo user and mints her app token', async () => {
      const res = await admin('POST', '/admin/v1/users', {
        name: 'Fatima Al Mansoori',
        nameAr: 'فاطمة المنصوري',
        verified: true,
        documents: [{ idDocType: 'EMIRATES_ID', identifier }],
      });
      if (res.status !== 201) throw new Error(`create user: ${res.status} ${JSON.stringify(res.body)}`);
      const tok = await admin('POST', `/admin/v1/users/${res.body.id}/tokens`);
      if (tok.status !== 201) throw new Error(`user token: ${tok.status} ${JSON.stringify(tok.body)}`);
      detail(`Fatima Al Mansoori / فاطمة المنصوري, Emirates ID ${identifier} (verified)`);
      return { id: res.body.id as string, token: tok.body.access_token as string };
    });

    const phone = await step("Fatima's phone registers as an `sse` device and opens its live channel", async () => {
      const p = await openPhone(base, user.token);
      if ('error' in p) skipped(`the user app API is not in this build (${p.error}); the push will be read from the operator's view instead`);
      else {
        cleanups.push(p.close);
        detail(`POST /app/v1/devices → 201 (device ${p.deviceId}); GET /app/v1/events is streaming`);
      }
      return 'error' in p ? undefined : p;
    });

    const client = new MuwafaqaClient({ baseUrl: base, clientId: sp.clientId, clientSecret: sp.clientSecret, signingSecret: sp.signingSecret });
    const spTransactionID = `demo-${Date.now().toString(36)}`;
    const sent = await step('The bank sends a consent request with the SP SDK (token + HMAC-signed request)', async () => {
      // The SDK fills spId with its own client id.
      const { spId: _spId, ...body } = sampleSendBody({ identifier, spId: sp.clientId, requestedById: sp.clientId, spTransactionID });
      const result = await client.send(body);
      detail(`POST /api/v1/consent/transaction/send → 201 ${JSON.stringify(result)}`);
      return result;
    });

    await step("The push reaches Fatima's phone (outbox → BullMQ → push worker → device)", async () => {
      if (phone) {
        const push = await waitFor(
          () => phone.events.find((e) => e.event === 'consent-request' && e.data?.uaePassTransactionID === sent.uaePassTransactionID),
          15_000,
        );
        if (push) detail(`the phone received: "${push.data.title ?? ''}": ${push.data.body ?? JSON.stringify(push.data)}`);
        else skipped('no push arrived on the live channel within 15 s');
      }
      const seen = await waitFor(
        async () => {
          const d = await admin('GET', `/admin/v1/transactions/${sent.uaePassTransactionID}`);
          return d.body?.notificationAttempts?.length ? d.body : undefined;
        },
        phone ? 3000 : 15_000,
      );
      if (seen)
        for (const a of seen.notificationAttempts)
          detail(`notification attempt ${a.attempt} via ${a.platform}: ${a.outcome}${a.latencyMs != null ? ` in ${a.latencyMs} ms` : ''}`);
      else detail('no notification attempt recorded yet (the push worker may not be in this build)');
    });

    await step('Fatima reads the request and accepts it in her app', async () => {
      const view = await fetch(`${base}/app/v1/consents/${sent.uaePassTransactionID}`, {
        headers: { authorization: `Bearer ${user.token}`, 'accept-language': 'ar' },
      });
      if (view.status === 200) {
        const body = await json(view);
        detail(
          `GET /app/v1/consents/{id} → 200: purpose "${body.purpose ?? body.purposeAr ?? ''}", documents: ${(body.documents ?? []).map((d: { name?: string; type?: string }) => d.name ?? d.type).join(', ')}`,
        );
      }
      const res = await fetch(`${base}/app/v1/consents/${sent.uaePassTransactionID}/decision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': DECISION_MEDIA_TYPE },
        body: JSON.stringify({ accept: true }),
      });
      const body = await json(res);
      if (res.status === 404 && body?.code === 'REQ_1000004') skipped('the decision route is not in this build');
      else if (res.status >= 300) throw new Error(`decision: ${res.status} ${JSON.stringify(body)}`);
      else detail(`POST /app/v1/consents/{id}/decision (${DECISION_MEDIA_TYPE}) {"accept":true} → ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
    });

    await step('The bank receives the callback and verifies it with the SDK', async () => {
      const cb = await waitFor(() => receiver.received.find((r) => r.rawBody.includes(sent.uaePassTransactionID)), 15_000);
      if (!cb) return skipped('no callback arrived within 15 s (the callback worker may not be in this build; the bank can always poll)');
      detail(`POST ${cb.path}`);
      detail(
        `X-API-Key: ${String(cb.headers['x-api-key']).slice(0, 4)}…  X-Timestamp: ${cb.headers['x-timestamp']}  X-UAEPASS-Signature: ${cb.headers['x-uaepass-signature']}`,
      );
      detail(`body: ${cb.rawBody}`);
      try {
        const verified: ConsentCallback = verifyCallback(
          { headers: cb.headers, rawBody: cb.rawBody, path: cb.path },
          { signingSecret: sp.signingSecret, apiKey: callbackApiKey },
        );
        detail(`verifyCallback: signature, timestamp and API key OK → ${verified.status}`);
      } catch (err) {
        if (err instanceof CallbackVerificationError) detail(`verifyCallback REFUSED it: ${err.reason}`);
        else throw err;
      }
      try {
        verifyCallback(
          { headers: cb.headers, rawBody: cb.rawBody.replace('ACCEPTED', 'REJECTED'), path: cb.path },
          { signingSecret: sp.signingSecret, apiKey: callbackApiKey },
        );
      } catch (err) {
        if (err instanceof CallbackVerificationError) detail(`(the same callback with its status altered is refused: ${err.reason})`);
      }
    });

    await step('The bank polls the final status; the operator reads the audit trail', async () => {
      const final = await client.status(spTransactionID);
      detail(`POST /api/v1/consent/transaction/status → ${JSON.stringify(final)}`);
      const d = await admin('GET', `/admin/v1/transactions/${sent.uaePassTransactionID}`);
      for (const e of d.body?.events ?? []) detail(`event: ${e.from ?? '∅'} → ${e.to} by ${e.actor} at ${new Date(e.at).toISOString()}`);
      for (const c of d.body?.callbackAttempts ?? [])
        detail(`callback attempt ${c.attempt}: ${c.delivered ? 'delivered' : 'failed'} (${c.statusCode ?? c.error})`);
    });

    out(`\nDone in ${secs(Date.now() - started)}. Next: npm start, then open /docs; docs/sdk.md shows the SDK.`);
  } finally {
    await shutdown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof MuwafaqaError) process.stderr.write(`\ndemo failed: the gateway answered ${err.status} ${err.code}: ${err.desc.en}\n`);
    else process.stderr.write(`\ndemo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
