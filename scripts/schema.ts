/**
 * The schema's one truth is migrations/; migrations/schema.sql is its snapshot, for reading and
 * for review (a migration's effect shows up as a diff of that file).
 *
 *   npm run schema:snapshot   apply every migration to a scratch database, write the snapshot
 *   npm run schema:check      the same, and fail with a diff when the snapshot is not up to date
 *
 * Uses the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; the scratch
 * database is created and dropped there) and pg_dump from the PATH.
 */
import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/config';
import { dataSourceOptions } from '../src/database/database.options';
import { runMigrations } from '../src/database/migrate';

export const SNAPSHOT = join(__dirname, '..', 'migrations', 'schema.sql');
const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * pg_dump's text with what varies between runs and machines removed: comments and version lines,
 * `\restrict` keys, and the monthly partitions (named after the month the migrations ran in; their
 * parent tables and the functions that create them are kept).
 */
export function normaliseDump(dump: string): string {
  return (
    dump
      .split('\n')
      .filter((line) => !line.startsWith('--') && !/^\\(un)?restrict\b/.test(line) && !/^SET default_table_access_method/.test(line))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}

/** Applies every migration to a scratch database on DATABASE_URL's server and dumps its schema. */
export async function currentSchema(): Promise<string> {
  const name = `mwq_schema_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  try {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url.toString() });
    const ds = await new DataSource(dataSourceOptions(config)).initialize();
    try {
      await runMigrations(ds, { lock: false });
    } finally {
      await ds.destroy();
    }
    const partitions = '*_y[0-9][0-9][0-9][0-9]m[0-9][0-9]';
    return normaliseDump(
      execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', `--exclude-table=${partitions}`, url.toString()], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(mode: string | undefined): Promise<void> {
  const schema = await currentSchema();
  if (mode === 'snapshot') {
    writeFileSync(SNAPSHOT, schema);
    process.stdout.write(`schema: wrote ${SNAPSHOT}\n`);
    return;
  }
  const committed = readFileSync(SNAPSHOT, 'utf8');
  if (committed === schema) {
    process.stdout.write('schema: migrations/schema.sql matches the migrations\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mwq-schema-'));
  writeFileSync(join(dir, 'from-migrations.sql'), schema);
  spawnSync('diff', ['-u', SNAPSHOT, join(dir, 'from-migrations.sql')], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write('schema: migrations/schema.sql is not what the migrations build: run `npm run schema:snapshot` and commit it\n');
  process.exit(1);
}

if (require.main === module) {
  main(process.argv[2]).catch((err: unknown) => {
    process.stderr.write(`schema: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
