import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { percentile } from './support';

/**
 * A fake FCM (HTTP v1: OAuth2 token endpoint + messages:send) on 127.0.0.1 that notes when each
 * transaction's push arrives. It runs in the bench process, so the 201 and the push are timed
 * on the same clock (performance.now()).
 */
export interface NotificationProbe {
  /** FCM_BASE_URL and FCM_SERVICE_ACCOUNT_FILE for the gateway. */
  gatewayEnv: Record<string, string>;
  /** Gives the bench user an FCM device, so each send fans out one push. */
  registerDevice(databaseUrl: string, userId: string): Promise<void>;
  reset(): void;
  /** Waits (up to `deadlineMs`, or 5 s without progress) for the pushes of `sentAt`, then answers their latencies. */
  latencies(sentAt: Map<string, number>, deadlineMs: number): Promise<{ sent: number; received: number; p50?: number; p99?: number; max?: number }>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startNotificationProbe(): Promise<NotificationProbe> {
  let received = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'POST' && req.url === '/token') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `fake-${randomUUID()}`, expires_in: 3600, token_type: 'Bearer' }));
        return;
      }
      const m = /^\/v1\/projects\/[^/]+\/messages:send$/.exec(req.url ?? '');
      if (req.method === 'POST' && m) {
        const at = performance.now();
        try {
          const id = JSON.parse(body)?.message?.data?.uaePassTransactionID as string | undefined;
          if (id && !received.has(id)) received.set(id, at);
        } catch {
          /* counted as not received */
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: `projects/bench/messages/${randomUUID()}` }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const dir = mkdtempSync(join(tmpdir(), 'mwq-bench-fcm-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const accountFile = join(dir, 'service-account.json');
  writeFileSync(
    accountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'muwafaqa-bench',
      client_email: 'bench@muwafaqa-bench.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      private_key_id: 'bench',
      token_uri: `${base}/token`,
    }),
  );

  return {
    gatewayEnv: { FCM_BASE_URL: base, FCM_SERVICE_ACCOUNT_FILE: accountFile },
    async registerDevice(databaseUrl, userId) {
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await db.query(`INSERT INTO devices (id, user_id, platform, push_token, locale) VALUES ($1, $2, 'fcm', $3, 'en')`, [
          randomUUID(),
          userId,
          `bench-fcm-${randomUUID()}`,
        ]);
      } finally {
        await db.end();
      }
    },
    reset() {
      received = new Map();
    },
    async latencies(sentAt, deadlineMs) {
      const until = Date.now() + deadlineMs;
      let last = -1;
      let stillSince = Date.now();
      for (;;) {
        const got = [...sentAt.keys()].filter((id) => received.has(id)).length;
        if (got === sentAt.size || Date.now() > until) break;
        if (got !== last) {
          last = got;
          stillSince = Date.now();
        } else if (Date.now() - stillSince > 5000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const lat: number[] = [];
      for (const [id, t201] of sentAt) {
        const t = received.get(id);
        // A push can beat the 201 to the client (both leave the server about together): that is 0 ms, not negative.
        if (t !== undefined) lat.push(Math.max(0, t - t201));
      }
      lat.sort((a, b) => a - b);
      return { sent: sentAt.size, received: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
