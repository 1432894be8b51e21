import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './redis-topologies';

/**
 * A private Postgres cluster on a loopback port, for tests that stop and restart the database
 * under a running gateway. Postgres refuses to run as root, so as root it runs as `postgres`.
 */
export interface PostgresCluster {
  port: number;
  /** URL of a database in this cluster (created with `createDatabase`). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast`: every connection is cut, as in a crash of the database host. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('no Postgres binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl)');
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mwq-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const file = (cmd: string) => (asRoot ? 'runuser' : join(bin, cmd));
  const argv = (cmd: string, args: string[]) => (asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args);
  // Asynchronous, so the gateway under test (same process) keeps serving while the database stops.
  const run = async (cmd: string, args: string[]) => void (await promisify(execFile)(file(cmd), argv(cmd, args), { timeout: 60_000 }));
  execFileSync(file('initdb'), argv('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']), { stdio: 'pipe', timeout: 60_000 });
  // fsync off: the data only has to survive a clean stop, and the 2 shared cores thank us.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`;
  const cluster: PostgresCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name: string) {
      const c = new Client({ connectionString: cluster.url() });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return cluster.url(name);
    },
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async start() {
      await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    },
    async destroy() {
      try {
        await cluster.stop();
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
