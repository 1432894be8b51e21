import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { adopt } from '../support/children';

/**
 * `npm run demo` on a fresh clone: no DATABASE_URL / REDIS_URL, so it boots the embedded
 * gateway (PGlite + a local redis-server) in its own process. Run here through ts-node with SWC
 * (the same source `npm run demo` compiles) to skip a full tsc build.
 */
describe('npm run demo', () => {
  it('tells the whole story and exits 0 with no DATABASE_URL or REDIS_URL', async () => {
    const env: Record<string, string | undefined> = { ...process.env, TS_NODE_SWC: 'true', TS_NODE_TRANSPILE_ONLY: 'true' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const root = join(__dirname, '..', '..');
    const child = adopt(
      spawn(process.execPath, ['-r', 'ts-node/register', join(root, 'scripts', 'demo.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    if (code !== 0) throw new Error(`demo exited ${code}\n${stdout}\n${stderr}`);

    expect(stdout).toContain('embedded Postgres (PGlite)');
    expect(stdout).toMatch(
      /The bank sends a consent request with the SP SDK[\s\S]*→ 201 \{"uaePassTransactionID":"[0-9a-f-]{36}","transactionStatus":"TRIGGERED"/,
    );
    expect(stdout).toContain('the phone received:');
    expect(stdout).toMatch(/\{"accept":true\} → 200/);
    expect(stdout).toContain('verifyCallback: signature, timestamp and API key OK → ACCEPTED');
    expect(stdout).toContain('(the same callback with its status altered is refused: signature)');
    expect(stdout).toMatch(/transaction\/status → \{[^}]*"status":"ACCEPTED"\}/);
    expect(stdout).toContain('event: TRIGGERED → ACCEPTED');
    expect(stdout).not.toContain('skipped');
    expect(stdout).toMatch(/Done in \d+\.\d\ds/);
  }, 180_000);
});
