import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedService {
  url: string;
  stop(): Promise<void>;
}

/**
 * With no DATABASE_URL, run PGlite in-process with its data under DATA_DIR and expose it on a
 * loopback port, so TypeORM talks to it through `pg` exactly as to any Postgres.
 * PGlite is single-connection: the socket server multiplexes, and the pool is kept at one
 * connection (see database.module.ts) so transactions never interleave.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedService> {
  const dir = resolve(join(dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(resolve(dataDir));
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const port = Number(String(server.getServerConn()).split(':').pop());
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
      unlock();
    },
  };
}

/** Thrown when another live process holds DATA_DIR's embedded database. */
export class DataDirInUseError extends Error {}

/**
 * PGlite has no lock of its own: a second process opening the same data directory (`npm start`
 * run twice) corrupted it, and the first process's next start aborted. The directory is taken
 * with a pid file, created exclusively; one left by a process that is gone is taken over.
 * Answers the release.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'pglite.pid');
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by another process (pid ${holder}): stop it, or give this one its own DATA_DIR or a DATABASE_URL`,
      );
    }
    rmSync(file, { force: true }); // left by a process that is gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
