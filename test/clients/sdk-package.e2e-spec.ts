/**
 * The SP SDK as an SP gets it: `npm pack` of sdk/, installed from the tarball into an empty
 * project (offline: the package has no dependency), then a plain Node program of that project
 * runs send → status → callback verification against a live gateway, and a TypeScript file
 * type-checks against the package's own .d.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { createUser, decide, onboardSp, SpCredentials, TestUser, uniqueId, userToken } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';
import { freePort } from './public-gateway';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const SDK = join(ROOT, 'sdk');

describe('the SP SDK as an installable package', () => {
  let project: string;
  let gw: Gateway;
  let sp: SpCredentials;
  let user: TestUser;
  let callbackPort: number;
  let token: string;
  let device: AppDevice;

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'muwafaqa-sdk-'));
    const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: SDK });
    const tarball = join(work, stdout.trim().split('\n').pop()!);
    rmSync(join(SDK, 'dist'), { recursive: true, force: true });
    project = join(work, 'sp-project');
    await run('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sp-project', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
    copyFileSync(join(__dirname, 'sp-app/app.js'), join(project, 'app.js'));
    copyFileSync(join(__dirname, 'sp-app/typed.ts'), join(project, 'typed.ts'));

    gw = await startGateway();
    callbackPort = await freePort();
    sp = await onboardSp(gw, { callbackUrl: `http://127.0.0.1:${callbackPort}/api/v1/consent/transaction/callback`, callbackApiKey: 'sdk-package-key' });
    user = await createUser(gw);
    token = await userToken(gw, user.id);
    // The user's app is online, so the request stays TRIGGERED until decided.
    device = await connectAppDevice(gw, token);
  }, 180_000);
  afterAll(async () => {
    device?.close();
    await gw?.close();
    if (project) rmSync(resolve(project, '..'), { recursive: true, force: true });
  });

  it('installs with no dependency, JS and .d.ts side by side, nothing of the gateway inside', () => {
    const installed = join(project, 'node_modules/@muwafaqa/sp-sdk');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/signature.js', 'dist/receipt.d.ts']) expect(existsSync(join(installed, file))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
    expect(Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'))).toEqual(['node_modules/@muwafaqa/sp-sdk']);
  });

  it('type-checks an SP program against the package’s declarations', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'commonjs',
      '--target',
      'es2022',
      '--types',
      'node',
      '--typeRoots',
      join(ROOT, 'node_modules/@types'),
      'typed.ts',
    ];
    await expect(run(process.execPath, [tsc, ...args], { cwd: project })).resolves.toBeDefined();
  });

  it('sends, reads the status and verifies the callback from the installed package', async () => {
    const spTransactionID = uniqueId('pkg');
    const child = spawn(process.execPath, ['app.js'], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        MUWAFAQA_URL: gw.url,
        MUWAFAQA_CLIENT_ID: sp.clientId,
        MUWAFAQA_CLIENT_SECRET: sp.clientSecret,
        MUWAFAQA_SIGNING_SECRET: sp.signingSecret,
        MUWAFAQA_CALLBACK_API_KEY: 'sdk-package-key',
        MUWAFAQA_IDENTIFIER: user.emiratesId,
        CALLBACK_PORT: String(callbackPort),
        SP_TRANSACTION_ID: spTransactionID,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const lines: Record<string, any>[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line));
      waiters.splice(0).forEach((w) => w());
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const lineWith = async (key: string) => {
      const deadline = Date.now() + 30_000;
      while (!lines.some((l) => key in l)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${key}" line; got ${JSON.stringify(lines)} ${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return lines.find((l) => key in l)![key];
    };
    try {
      const sent = await lineWith('sent');
      expect(sent).toEqual({ uaePassTransactionID: expect.any(String), transactionStatus: 'TRIGGERED', spTransactionID });
      expect(await lineWith('status')).toEqual({ uaePassTransactionID: sent.uaePassTransactionID, spTransactionID, status: 'TRIGGERED' });

      const decision = await decide(gw, token, sent.uaePassTransactionID, { accept: true });
      expect(decision.status).toBe(200);
      expect(await lineWith('callback')).toEqual({ spTransactionID, status: 'ACCEPTED', uaePassTransactionID: sent.uaePassTransactionID });
      expect(lines.some((l) => 'rejected' in l)).toBe(false);
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  });
});
