import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { adopt } from './children';

/** Real redis-server processes on loopback, for fault, Sentinel and Cluster tests. */

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pings(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined); // refused until the server listens: that is what we poll for
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } finally {
    c.disconnect();
  }
}

export interface RedisNode {
  port: number;
  url: string;
  /** Its working directory (removed by the topology's stop()). */
  dir?: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  restart(): Promise<void>;
}

/** A redis-server on a free (or given) port; `extra` are additional server arguments. */
export async function startRedisNode(extra: string[] = [], port?: number, dir?: string): Promise<RedisNode> {
  const p = port ?? (await freePort());
  const d = dir ?? mkdtempSync(join(tmpdir(), 'mwq-redis-'));
  const launch = () =>
    adopt(spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--dir', d, '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' }));
  const node: RedisNode = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    dir: d,
    process: launch(),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const child = node.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill(signal);
      });
    },
    async restart() {
      node.process = launch();
      await waitFor(() => pings(p), `redis on ${p}`);
    },
  };
  await waitFor(() => pings(p), `redis on ${p}`);
  return node;
}

/** A 3-master Redis Cluster on loopback (`redis-cli --cluster create`). */
export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'mwq-cluster-'));
  const nodes: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    nodes.push(await startRedisNode(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], port, dir));
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
  });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  await waitFor(async () => {
    const c = new Redis({ port: nodes[0].port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      return String(await c.call('cluster', 'info')).includes('cluster_state:ok');
    } finally {
      c.disconnect();
    }
  }, 'cluster_state:ok');
  const nodesEnv = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  return {
    nodes,
    nodesEnv,
    /** Gateway variables for this topology (REDIS_URL unset: the topologies are exclusive). */
    env(): Record<string, string> {
      return { REDIS_URL: undefined as unknown as string, REDIS_CLUSTER_NODES: nodesEnv };
    },
    async stop() {
      for (const n of nodes) await n.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A master, a replica and three sentinels watching them, on loopback. */
export async function startRedisSentinel(masterName = 'mymaster') {
  const master = await startRedisNode();
  const replica = await startRedisNode(['--replicaof', '127.0.0.1', String(master.port)]);
  const sentinels: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mwq-sentinel-'));
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    require('node:fs').writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
      ].join('\n'),
    );
    const child = adopt(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitFor(() => pings(port), `sentinel on ${port}`);
    sentinels.push({
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      process: child,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      },
      async restart() {
        throw new Error('not supported');
      },
    });
  }
  const sentinelsEnv = sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  /** The master's port as the sentinels report it. */
  const masterPort = async (): Promise<number> => {
    const c = new Redis({ port: sentinels[0].port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      const [, port] = (await c.call('sentinel', 'get-master-addr-by-name', masterName)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  };
  // The sentinels must know the replica (and each other) before a failover can promote it.
  await waitFor(async () => {
    const c = new Redis({ port: sentinels[0].port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      const replicas = (await c.call('sentinel', 'replicas', masterName)) as string[][];
      const others = (await c.call('sentinel', 'sentinels', masterName)) as string[][];
      return replicas.length === 1 && replicas[0].join(' ').includes('slave') && others.length === 2;
    } finally {
      c.disconnect();
    }
  }, 'sentinels to discover the replica and each other');
  return {
    master,
    replica,
    sentinels,
    sentinelsEnv,
    masterName,
    masterPort,
    /** Gateway variables for this topology (REDIS_URL unset: the topologies are exclusive). */
    env(): Record<string, string> {
      return { REDIS_URL: undefined as unknown as string, REDIS_SENTINELS: sentinelsEnv, REDIS_SENTINEL_NAME: masterName };
    },
    async stop() {
      for (const s of sentinels) await s.stop();
      await replica.stop();
      await master.stop();
      for (const n of [...sentinels, replica, master]) if (n.dir) rmSync(n.dir, { recursive: true, force: true });
    },
  };
}
