import { mkdirSync } from 'node:fs';
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
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const port = Number(String(server.getServerConn()).split(':').pop());
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
