import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileMatchSql } from '../src/users/user-directory.service';
import { percentile } from './support';

export interface SendSqlFixture {
  spId: string;
  userId: string;
  identifierHash: string;
  ttlSeconds: number;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The SQL one successful send runs: the single statement of SendConsentService.send (profile
 * lookup, idempotency claim, transaction, documents, event, outbox row). The SP lookups are
 * served from SpDirectory's cache and cost no round trip. Values the gateway binds as parameters
 * are literals here, except the spTransactionID, which is random per transaction and bound as a
 * parameter under -M prepared. No BEGIN/COMMIT: the gateway runs it in autocommit too, so one
 * pgbench "transaction" (one script run) is one send.
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
  return `\\set r random(1, 9000000000000000000)
WITH profile AS (${profileMatchSql(lit(f.identifierHash), "'EMIRATES_ID'")}
), claim AS (
  INSERT INTO consent_idempotency (sp_id, sp_transaction_id, transaction_id)
  SELECT ${lit(f.spId)}, 'pgb-' || :client_id::text || '-' || :r::text, consent_uuid_v7() FROM profile WHERE profile.has_type AND profile.verified
  ON CONFLICT DO NOTHING
  RETURNING sp_transaction_id, transaction_id
), tx AS (
  INSERT INTO consent_transactions
    (id, sp_id, sp_transaction_id, user_id, id_doc_type, request_type, requested_by_id, purpose, purpose_ar,
     requestor_name, requestor_name_ar, requestor_id_type, requestor_enc, status, expires_at)
  SELECT claim.transaction_id, ${lit(f.spId)}, claim.sp_transaction_id, profile.user_id, 'EMIRATES_ID', 'spToSp', ${lit(f.spId)},
          'Opening a bank account', 'فتح حساب مصرفي', NULL, NULL, NULL, NULL, 'TRIGGERED', now() + make_interval(secs => ${f.ttlSeconds})
    FROM claim, profile
  RETURNING id
), docs AS (
  INSERT INTO consent_documents (transaction_id, position, name, name_ar, type, type_ar, metadata, must_be_accepted)
  SELECT tx.id, d.ord - 1, d.doc->>'name', d.doc->>'nameAr', d.doc->>'type', d.doc->>'typeAr', d.doc->'metadata', (d.doc->>'mustBeAccepted')::boolean
    FROM tx, jsonb_array_elements(${lit(json)}::jsonb) WITH ORDINALITY AS d(doc, ord)
), event AS (
  INSERT INTO consent_events (transaction_id, from_status, to_status, actor) SELECT id, NULL, 'TRIGGERED', 'sp' || ':' || ${lit(f.spId)} FROM tx
), push AS (
  INSERT INTO outbox (topic, transaction_id, payload) SELECT 'push', id, '{}'::jsonb FROM tx
)
SELECT (SELECT id FROM tx) AS id, profile.user_id, profile.verified, profile.has_type FROM (SELECT 1) one LEFT JOIN profile ON true;
`;
}

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
      const child = spawn(process.env.PGBENCH ?? '/usr/bin/pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
      command: `pgbench ${args
        .map((a) => (a === databaseUrl ? '<bench db>' : a.startsWith('--log-prefix') ? '-l --log-prefix=<tmp>' : a === file ? 'send.sql' : a === '-l' ? '' : a))
        .filter(Boolean)
        .join(' ')}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
