/**
 * Postgres CPU per send statement, read from the serving backend's own counters
 * (/proc/<pid>/stat: user + system time), so the figure holds on a machine shared with other
 * work, where throughput does not. Needs Postgres on this host.
 *
 *   node dist/bench/pg-cpu.js [--count N] [--batch 1,16] [--modes auto,force_generic_plan] <label>=<database url> ...
 *
 * Each database must hold a bench SP and a verified user (`npm run bench -- --keep-db` leaves
 * one; copies made with CREATE DATABASE … TEMPLATE can then differ in schema, e.g. foreign keys
 * dropped). For every database, plan mode and batch size, one connection runs the send statement
 * N times as a named prepared statement (as the gateway does) after a warm-up; the answer is
 * Postgres CPU per send, in microseconds.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { uuidV7 } from '../src/database/uuid-v7';
import { SEND_BATCH_SQL, SendRow, sendBatchParams } from '../src/consent/consent.repository';

const TICKS_PER_SECOND = 100;

function backendCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

async function measure(url: string, mode: string, batch: number, count: number): Promise<number> {
  const db = new Client({ connectionString: url, options: `-c plan_cache_mode=${mode}` });
  await db.connect();
  try {
    const [{ client_id: spId }] = (await db.query(`SELECT client_id FROM service_providers WHERE client_id LIKE 'bench_sp_%' LIMIT 1`)).rows;
    const [{ identifier_hash: hash }] = (
      await db.query(`SELECT d.identifier_hash FROM user_documents d JOIN user_profiles p ON p.id = d.user_id WHERE p.verified LIMIT 1`)
    ).rows;
    const [{ pid }] = (await db.query(`SELECT pg_backend_pid() AS pid`)).rows;
    const documents = JSON.stringify([{ name: 'Emirates ID', nameAr: 'الهوية', type: 'EMIRATES_ID', typeAr: 'الهوية', metadata: [], mustBeAccepted: false }]);
    const row = (): SendRow => ({
      id: uuidV7(),
      spId,
      spTransactionId: `cpu-${uuidV7()}`,
      identifierHash: hash,
      idDocType: 'EMIRATES_ID',
      requestType: 'spToSp',
      requestedById: spId,
      purpose: 'Opening a bank account',
      purposeAr: 'فتح حساب مصرفي',
      requestorName: null,
      requestorNameAr: null,
      requestorIdType: null,
      requestorEnc: null,
      ttlSeconds: 600,
      documents,
      actor: `sp:${spId}`,
      consentTerms: null,
      standingRecipient: `sp:${spId}`,
    });
    const run = () => db.query({ name: 'consent_send_batch', text: SEND_BATCH_SQL, values: sendBatchParams(Array.from({ length: batch }, row)) });
    for (let i = 0; i < 20; i++) await run();
    const before = backendCpuMs(pid);
    const statements = Math.max(1, Math.round(count / batch));
    for (let i = 0; i < statements; i++) await run();
    return ((backendCpuMs(pid) - before) * 1000) / (statements * batch);
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let count = 2000;
  let batches = [1, 16];
  let modes = ['auto', 'force_generic_plan'];
  const targets: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--count') count = Number(args[++i]);
    else if (args[i] === '--batch') batches = args[++i].split(',').map(Number);
    else if (args[i] === '--modes') modes = args[++i].split(',');
    else {
      const at = args[i].indexOf('=');
      targets.push([args[i].slice(0, at), args[i].slice(at + 1)]);
    }
  }
  for (const batch of batches)
    for (const mode of modes)
      for (const [label, url] of targets) {
        const us = await measure(url, mode, batch, count);
        process.stdout.write(
          `${label.padEnd(24)} ${mode.padEnd(20)} batch ${String(batch).padStart(3)}: ${us.toFixed(0).padStart(6)} µs Postgres CPU per send\n`,
        );
      }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`pg-cpu: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
