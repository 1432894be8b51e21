import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { adopt } from './children';
import type { AppConfig } from '../../src/config/config';
import { ADMIN_ID, ADMIN_SECRET } from './gateway';

/**
 * The gateway as real OS processes (`src/main.ts` for the API, `src/main-worker.ts` for the
 * queue workers), run from source through ts-node with SWC, so a test can SIGKILL one.
 */
export interface GatewayProcess {
  kind: 'server' | 'worker';
  child: ChildProcess;
  /** stdout + stderr so far (logs are JSON at LOG_LEVEL). */
  output(): string;
  /** Resolves when the process says it is serving / consuming. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * The environment of a child that shares a test gateway's database, Redis prefix and data keys
 * (DATA_DIR holds the generated keys, so every process must point at the same one).
 */
export function childEnv(config: AppConfig, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: config.databaseUrl!,
    REDIS_URL: config.redisUrl!,
    REDIS_PREFIX: config.redisPrefix,
    DATA_DIR: config.dataDir,
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    BACKOFF_BASE_MS: String(config.backoffBaseMs),
    OUTBOX_POLL_INTERVAL_MS: String(config.outboxPollIntervalMs),
    EXPIRY_SWEEP_INTERVAL_MS: String(config.expirySweepIntervalMs),
    FCM_BASE_URL: config.fcmBaseUrl,
    ...(config.fcmServiceAccountFile ? { FCM_SERVICE_ACCOUNT_FILE: config.fcmServiceAccountFile } : {}),
    HOST: '127.0.0.1',
    ...extra,
  };
}

export function spawnGatewayProcess(kind: 'server' | 'worker', env: Record<string, string>): GatewayProcess {
  const entry = kind === 'server' ? 'src/main.ts' : 'src/main-worker.ts';
  const child = adopt(
    spawn(process.execPath, ['-r', 'ts-node/register', entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TS_NODE_SWC: 'true', TS_NODE_TRANSPILE_ONLY: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  const marker = kind === 'server' ? 'muwafaqa: listening on' : 'muwafaqa-worker: consuming queues';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((ok, fail) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
      if (out.includes(marker)) ok();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => fail(new Error(`${kind} exited (${code}) before it was ready:\n${out.slice(-3000)}`)));
  });
  ready.catch(() => undefined);
  return {
    kind,
    child,
    output: () => out,
    ready,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
