import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run soak`: the reliability suite (test/reliability), longer and harder, several rounds.
 * Same tests as CI, with longer outages and many more fuzzing runs:
 *   SOAK_ROUNDS (3), SOAK_REDIS_OUTAGE_MS (30000), SOAK_PG_OUTAGE_MS (20000), SOAK_FUZZ_RUNS (200).
 * Needs what the tests need: Postgres on 127.0.0.1:5432 (or TEST_DATABASE_URL), redis-server,
 * the Postgres binaries under /usr/lib/postgresql/*\/bin. Prints every fault's counts at the end.
 */
const rounds = Number(process.env.SOAK_ROUNDS ?? 3);
const report = process.env.RELIABILITY_REPORT ?? '/tmp/muwafaqa-soak.jsonl';
rmSync(report, { force: true });
const env = {
  ...process.env,
  RELIABILITY_REPORT: report,
  RELIABILITY_REDIS_OUTAGE_MS: process.env.SOAK_REDIS_OUTAGE_MS ?? '30000',
  RELIABILITY_PG_OUTAGE_MS: process.env.SOAK_PG_OUTAGE_MS ?? '20000',
  RELIABILITY_FUZZ_RUNS: process.env.SOAK_FUZZ_RUNS ?? '200',
};
const root = join(__dirname, '..');
let failed = 0;
for (let round = 1; round <= rounds; round++) {
  process.stdout.write(`soak: round ${round}/${rounds}\n`);
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--testTimeout=600000', 'test/reliability'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (run.status !== 0) failed++;
}
if (existsSync(report)) {
  const lines = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { fault: string; sentDuringFault: number; lost: number });
  const byFault = new Map<string, { sent: number; lost: number }>();
  for (const l of lines) {
    const t = byFault.get(l.fault) ?? { sent: 0, lost: 0 };
    t.sent += l.sentDuringFault;
    t.lost += l.lost;
    byFault.set(l.fault, t);
  }
  for (const [fault, t] of byFault) process.stdout.write(`soak: ${fault}: ${t.sent} sent during the fault, ${t.lost} lost\n`);
}
process.stdout.write(`soak: ${rounds - failed}/${rounds} rounds passed\n`);
process.exit(failed === 0 ? 0 : 1);
