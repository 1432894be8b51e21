import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEND_BATCH_SQL, SEND_COLUMN_NAMES } from '../src/consent/consent.repository';
import { percentile } from './support';

export interface SendSqlFixture {
  spId: string;
  userId: string;
  identifierHash: string;
  ttlSeconds: number;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The SQL one successful send runs alone: SendBatcher's statement (profile lookup, idempotency
 * claim, transaction, documents, event, outbox row) with a batch of one. The SP lookups are
 * served from SpDirectory's cache and cost no round trip. Values the gateway binds as array
 * parameters are one-element array literals here; the spTransactionID is random per transaction.
 * No BEGIN/COMMIT: the gateway runs it in autocommit too, so one pgbench "transaction" (one script
 * run) is one send.
 */
export function sendScript(f: SendSqlFixture): string {
  const documents = JSON.stringify([
    {
      name: 'Emirates ID',
      nameAr: 'الهوية الإماراتية',
      type: 'EMIRATES_ID',
      typeAr: 'الهوية',
      metadata: [
        { displayName: 'Full name', displayNameAr: 'الاسم الكامل' },
        { displayName: 'Date of birth', displayNameAr: 'تاريخ الميلاد' },
      ],
      mustBeAccepted: false,
    },
  ]);
  // pgbench reads any ":word" as a variable, even inside a literal: no colon may touch a letter
  // (hence the space after JSON's colons, and the actor spelled 'sp' || ':' || id).
  const json = documents.replace(/":/g, '": ');
  const values: Record<string, string> = {
    id: 'consent_uuid_v7()',
    sp_id: lit(f.spId),
    sp_transaction_id: `'pgb-' || :client_id::text || '-' || :r::text`,
    identifier_hash: lit(f.identifierHash),
    id_doc_type: "'EMIRATES_ID'",
    request_type: "'spToSp'",
    requested_by_id: lit(f.spId),
    purpose: "'Opening a bank account'",
    purpose_ar: "'فتح حساب مصرفي'",
    requestor_name: 'NULL',
    requestor_name_ar: 'NULL',
    requestor_id_type: 'NULL',
    requestor_enc: 'NULL',
    ttl_seconds: String(f.ttlSeconds),
    documents: lit(json),
    actor: `'sp' || ':' || ${lit(f.spId)}`,
    consent_terms: 'NULL',
    standing_recipient: `'sp' || ':' || ${lit(f.spId)}`,
  };
  const sql = SEND_BATCH_SQL.replace(/\$(\d+)::(\w+)\[\]/g, (_m, n: string, type: string) => `ARRAY[(${values[SEND_COLUMN_NAMES[Number(n) - 1]]})::${type}]`);
  return `\\set r random(1, 9000000000000000000)\n${sql};\n`;
}

/** The gateway's session setting (DATABASE_PLAN_CACHE_MODE's default), so both run the same plans. */
const PGBENCH_OPTIONS = '-c plan_cache_mode=force_generic_plan';

export interface PgbenchResult {
  clients: number;
  tps: number;
  transactions: number;
  p50: number;
  p99: number;
  failed: number;
  command: string;
}

/** Runs pgbench with `script` for `seconds` at `clients` connections; latencies from its per-transaction log. */
export async function runPgbench(databaseUrl: string, script: string, clients: number, seconds: number): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mwq-pgbench-'));
  try {
    const file = join(dir, 'send.sql');
    writeFileSync(file, script);
    const threads = Math.min(2, clients);
    const args = [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(clients),
      '-j',
      String(threads),
      '-T',
      String(seconds),
      '-f',
      file,
      '-l',
      `--log-prefix=${join(dir, 'tx')}`,
      databaseUrl,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.env.PGBENCH ?? '/usr/bin/pgbench', args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PGOPTIONS: PGBENCH_OPTIONS },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.once('error', reject);
      child.once('exit', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (code !== 0 || !tps) throw new Error(`pgbench failed (${code}): ${stderr.slice(-2000)}`);
    const latencies: number[] = [];
    for (const name of readdirSync(dir).filter((n) => n.startsWith('tx'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        const parts = line.split(' ');
        // client_id transaction_no time_us script_no epoch epoch_us
        if (parts.length >= 3 && /^\d+$/.test(parts[2])) latencies.push(Number(parts[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    return {
      clients,
      tps: Number(tps[1]),
      transactions: processed ? Number(processed[1]) : latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      failed: failed ? Number(failed[1]) : 0,
      command: `PGOPTIONS='${PGBENCH_OPTIONS}' pgbench ${args
        .map((a) => (a === databaseUrl ? '<bench db>' : a.startsWith('--log-prefix') ? '-l --log-prefix=<tmp>' : a === file ? 'send.sql' : a === '-l' ? '' : a))
        .filter(Boolean)
        .join(' ')}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
