import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { withEmiratesIdCheckDigit } from '../src/consent/identifier-rules';
import { sampleSendBody } from '../src/consent/sample-request';
import { signRequest } from '../src/security/request-signature';

export const ADMIN_ID = 'bench-admin';
export const ADMIN_SECRET = `bench-admin-${randomBytes(12).toString('hex')}`;
export const SEND_PATH = '/api/v1/consent/transaction/send';
export const STATUS_PATH = '/api/v1/consent/transaction/status';

/** A free loopback port (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Replaces the database name of a Postgres URL. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops and recreates `name` on the server of `adminUrl`; answers the new database's URL. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs the built server (`dist/src/main.js`) as a child process, as production would, and waits
 * for its "listening" line; with `cluster`, runs `dist/scripts/start-cluster.js` instead (N API
 * processes on the one port, M worker processes) and waits for all of them. Its stderr is passed
 * through so a failed boot is visible.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  root = process.cwd(),
  cluster?: { instances: number; workers: number },
): Promise<GatewayProcess> {
  const port = Number(env.PORT);
  const entry = cluster ? join(root, 'dist/scripts/start-cluster.js') : join(root, 'dist/src/main.js');
  const args = cluster ? ['--instances', String(cluster.instances), '--workers', String(cluster.workers)] : [];
  const ready = cluster ? 'muwafaqa-cluster: ' + cluster.instances + ' API instance' : 'muwafaqa: listening';
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the gateway under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${out}`));
    });
  });
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
      }),
  };
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export async function clientTokens(url: string, clientId: string, secret: string, scope?: string): Promise<{ access_token: string; id_token?: string }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  return json(
    await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    }),
  );
}

export async function adminPost(url: string, path: string, body?: unknown): Promise<any> {
  const { access_token } = await clientTokens(url, ADMIN_ID, ADMIN_SECRET, 'muwafaqa:admin');
  return json(
    await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    }),
  );
}

export interface BenchSp {
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  accessToken: string;
  idToken: string;
}

export async function onboardSp(url: string, extra: Record<string, unknown> = {}): Promise<BenchSp> {
  const clientId = `bench_sp_${randomBytes(4).toString('hex')}`;
  const creds = await adminPost(url, '/admin/v1/service-providers', { clientId, name: `Bench ${clientId}`, nameAr: `قياس ${clientId}`, ...extra });
  const tokens = await clientTokens(url, creds.clientId, creds.clientSecret);
  return { ...creds, accessToken: tokens.access_token, idToken: tokens.id_token! };
}

export function newEmiratesId(): string {
  const digits = withEmiratesIdCheckDigit(`784${randomInt(1950, 2010)}${String(randomInt(0, 9_999_999)).padStart(7, '0')}`);
  return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7, 14)}-${digits[14]}`;
}

export async function createUser(url: string): Promise<{ id: string; emiratesId: string }> {
  const emiratesId = newEmiratesId();
  const res = await adminPost(url, '/admin/v1/users', {
    name: 'Bench User',
    nameAr: 'مستخدم القياس',
    verified: true,
    documents: [{ idDocType: 'EMIRATES_ID', identifier: emiratesId }],
  });
  return { id: res.id, emiratesId };
}

/** Headers of one signed SP request, as an SP integration sends them. */
export function signedHeaders(sp: BenchSp, path: string, body: string, timestamp: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-up-accesstoken': sp.accessToken,
    authorization: `Bearer ${sp.idToken}`,
    'x-timestamp': timestamp,
    'x-uaepass-signature': signRequest(sp.signingSecret, timestamp, 'POST', path, body),
  };
}

/** A valid send body (the seed's sample) with its own spTransactionID. */
export function sendBody(sp: BenchSp, emiratesId: string, spTransactionID: string): string {
  return JSON.stringify(sampleSendBody({ identifier: emiratesId, spId: sp.clientId, requestedById: sp.clientId, spTransactionID }));
}

/** p-th percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
