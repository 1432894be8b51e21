import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../support/clients';
import { adopt } from '../support/children';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs src/main.ts as `npm start` would, transpiled on the fly (no build step in the test), as the
 * leader of its own process group, like a command in the foreground of a terminal.
 */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; errors: () => string; exited: Promise<number | null> } {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  delete clean.REDIS_URL;
  const child = adopt(
    spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...clean, TS_NODE_SWC: 'true', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
    { group: true },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    out += d;
    err += d;
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out, errors: () => err, exited };
}

/** The redis-server processes whose parent is `pid`. */
function redisChildrenOf(pid: number): number[] {
  try {
    const ps = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
    return ps
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, comm]) => comm === 'redis-server')
      .map(([child]) => Number(child));
  } catch {
    return []; // ps exits 1 when there is no such process
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(url: string, deadlineMs: number): Promise<number> {
  const until = Date.now() + deadlineMs;
  let last = 0;
  while (Date.now() < until) {
    try {
      last = (await http(`${url}/health/ready`)).status;
      if (last === 200) return last;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe('booting the gateway', () => {
  it('exits non-zero with one line naming PORT when PORT=abc', async () => {
    const run = startMain({ PORT: 'abc' });
    expect(await run.exited).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).toMatch(/abc/);
  });

  it('exits non-zero naming the variable for a bad DATABASE_URL and a lone ADMIN_CLIENT_ID', async () => {
    const bad = startMain({ DATABASE_URL: 'mysql://x' });
    expect(await bad.exited).toBe(1);
    expect(bad.output().trim()).toMatch(/^muwafaqa: configuration error: DATABASE_URL/);
    const lone = startMain({ ADMIN_CLIENT_ID: 'ops' });
    expect(await lone.exited).toBe(1);
    expect(lone.output()).toMatch(/ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET/);
  });

  it('starts on embedded Postgres and a self-started Redis, stops cleanly on SIGTERM, and keeps its data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'muwafaqa-boot-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_CLIENT_ID: 'ops', ADMIN_CLIENT_SECRET: 'ops-secret-0123456789' };
    try {
      const first = startMain(env);
      expect(await waitReady(url, 60_000)).toBe(200);
      const basic = `Basic ${Buffer.from('ops:ops-secret-0123456789').toString('base64')}`;
      const token = await http(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=muwafaqa%3Aadmin',
      });
      expect(token.status).toBe(200);
      const created = await http(`${url}/admin/v1/service-providers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.body.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: 'kept_sp', name: 'Kept', nameAr: 'محفوظ' }),
      });
      expect(created.status).toBe(201);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/SIGTERM received, shutting down/);

      const second = startMain(env);
      expect(await waitReady(url, 60_000)).toBe(200);
      // The SP written before the restart is still there: its client secret still gets a token.
      const sp = await http(`${url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`kept_sp:${created.body.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(sp.status).toBe(200);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it("refuses a second process on the same DATA_DIR, which would corrupt the embedded database, and takes over a dead process's lock", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'muwafaqa-lock-'));
    const [port, otherPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    try {
      // A lock left by a process that is gone (a crash, a SIGKILL) does not keep the gateway down.
      writeFileSync(join(dataDir, 'pglite.pid'), '2147483646');
      const first = startMain({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
      expect(await waitReady(url, 60_000)).toBe(200);

      const second = startMain({ PORT: String(otherPort), HOST: '127.0.0.1', DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      expect(second.output().trim()).toBe(
        `muwafaqa: failed to start: DATA_DIR ${dataDir} is in use by another process (pid ${first.child.pid}): stop it, or give this one its own DATA_DIR or a DATABASE_URL`,
      );
      // The first one never noticed.
      expect(await waitReady(url, 5_000)).toBe(200);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(existsSync(join(dataDir, 'pglite.pid'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stops with exit 0 and no error output on Ctrl-C (SIGINT to the whole process group), and stops its redis-server', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'muwafaqa-ctrlc-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    try {
      const run = startMain({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      expect(await waitReady(url, 60_000)).toBe(200);
      // Some work that touches Redis before the interrupt: a refused token request (rate limit, replay).
      await http(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      const redis = redisChildrenOf(run.child.pid!);
      expect(redis).toHaveLength(1);

      process.kill(-run.child.pid!, 'SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.errors()).toBe('');
      expect(run.output()).not.toMatch(/ECONNREFUSED|Unhandled error|Stream isn.t writeable|"level":[45]0/);
      expect(run.output()).toMatch(/SIGINT received, shutting down/);
      expect(isAlive(redis[0])).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
