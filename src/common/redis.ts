import { createIORedisClient, Queue, RedisConnection } from 'bullmq';
import Redis, { Callback, Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/config';

export type RedisClient = Redis | Cluster;

/**
 * How a connection behaves:
 * - `request`: request-time work (replay records, rate limits). Fails fast while Redis is away, so
 *   a request answers a coded 503 at once instead of hanging.
 * - `queue`: BullMQ producers and workers. BullMQ requires `maxRetriesPerRequest: null` for its
 *   blocking commands; commands wait for a reconnect (or a Sentinel/Cluster failover).
 * - `subscriber`: pub/sub (cache invalidation, SSE fan-out). Commands queue until the first
 *   connection, a SUBSCRIBE fails once a reconnect does not bring Redis back; ioredis resubscribes
 *   every channel after a reconnect or failover.
 */
export type RedisPurpose = 'request' | 'queue' | 'subscriber';

function hostPort(entry: string): { host: string; port: number } {
  const [host, port] = entry.trim().split(':');
  return { host, port: Number(port || 6379) };
}

const retryStrategy = (times: number) => Math.min(times * 100, 2000);

function behaviour(purpose: RedisPurpose): RedisOptions {
  // Request-time commands issued in one event-loop turn (64 signed requests checking their replay
  // record at once) go out as one write: per command, a socket write was a fifth of a status poll's CPU.
  if (purpose === 'request') return { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, enableAutoPipelining: true };
  if (purpose === 'queue') return { maxRetriesPerRequest: null, enableReadyCheck: false, retryStrategy };
  return { maxRetriesPerRequest: 1, retryStrategy };
}

function clusterOptions(redisOptions: RedisOptions, purpose: RedisPurpose): ClusterOptions {
  return {
    redisOptions,
    enableOfflineQueue: purpose !== 'request',
    enableAutoPipelining: redisOptions.enableAutoPipelining,
    enableReadyCheck: true,
    clusterRetryStrategy: retryStrategy,
    // A subscriber's SSUBSCRIBE goes to the shard owning the channel's slot (see SseHub).
    shardedSubscribers: purpose === 'subscriber',
  };
}

function sentinelOptions(config: AppConfig): RedisOptions {
  return {
    sentinels: config.redisSentinels!.split(',').map(hostPort),
    name: config.redisSentinelName,
    sentinelRetryStrategy: retryStrategy,
    // After a failover, reconnect to the new master rather than keep talking to the demoted one.
    failoverDetector: true,
  } as RedisOptions;
}

/**
 * One place that knows the Redis topology: a single node (REDIS_URL), Sentinel
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME) or Cluster (REDIS_CLUSTER_NODES). Reconnection after a
 * failover is ioredis's job: no restart needed.
 */
export function createRedisClient(config: AppConfig, purpose: RedisPurpose, name: string): RedisClient {
  const common: RedisOptions = { ...behaviour(purpose), connectionName: name, password: config.redisPassword };
  if (config.redisClusterNodes) {
    return new Cluster(config.redisClusterNodes.split(',').map(hostPort), clusterOptions(common, purpose));
  }
  if (config.redisSentinels) return closableWhileOffline(new Redis({ ...common, ...sentinelOptions(config) }));
  return closableWhileOffline(new Redis(config.redisUrl!, common));
}

/**
 * A client that can be closed while Redis is away. Two ioredis gaps, both met on shutdown:
 * - `disconnect()` of a client waiting out its retry delay (status `reconnecting`, no socket) only
 *   cancels the timer: no 'close' or 'end' follows and the commands it holds never settle
 *   (ioredis issues #1247, #1830). BullMQ's Worker.close() waits for that 'end': the shutdown hung
 *   for ever. Such a client is ended here the way ioredis ends one that never connected: status
 *   `end`, 'end' emitted, its pending commands rejected as closed.
 * - `quit()` without a writable connection (offline queue off) rejects with "Stream isn't
 *   writeable…", which BullMQ's Queue.close() does not take for a connection error and rethrows:
 *   Ctrl-C while Redis was down ended in a stack trace and skipped the rest of the shutdown. A
 *   client that is not connected now quits by disconnecting.
 */
export function closableWhileOffline<T extends Redis>(client: T): T {
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect = false) => {
    const offline = !reconnect && client.status === 'reconnecting';
    disconnect(reconnect);
    if (!offline) return;
    const internals = client as unknown as { manuallyClosing: boolean; setStatus(status: string): void; flushQueue(error: Error): void };
    internals.manuallyClosing = false;
    internals.setStatus('end');
    // ioredis's own message: BullMQ takes it for a connection error, not a failure to report.
    internals.flushQueue(new Error('Connection is closed.'));
  };
  const quit = client.quit.bind(client);
  client.quit = ((callback?: Callback<'OK'>) => {
    if (client.status === 'ready' || client.status === 'connect') return quit(callback);
    client.disconnect();
    callback?.(null, 'OK');
    return Promise.resolve('OK' as const);
  }) as T['quit'];
  return client;
}

/** True when `client` is a Redis Cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** A connection for SUBSCRIBE with the topology and options of `client` (a subscribed connection can run nothing else). */
export function subscriberOf<T extends RedisClient>(client: T): T {
  // Cluster.duplicate takes (startupNodes, options), Redis.duplicate takes (options).
  // A subscribed connection sends its (S)SUBSCRIBE commands one by one, never in a pipeline.
  const options = { enableOfflineQueue: true, enableAutoPipelining: false };
  return (isCluster(client) ? client.duplicate([], options) : closableWhileOffline((client as Redis).duplicate(options))) as T;
}

/** Marker BullMQ passes through to `clientFactory`: the cluster to build for one BullMQ connection. */
const CLUSTER_SPEC = 'muwafaqaCluster';
type ClusterSpec = { nodes: { host: string; port: number }[]; options: ClusterOptions };

function installClientFactory(): void {
  if (RedisConnection.clientFactory) return;
  // Every BullMQ Queue and Worker then owns (and closes) its own Cluster client, as it owns its
  // Redis client on the other topologies. Options without the marker get BullMQ's usual client,
  // one that ends when disconnected between reconnect attempts (closableWhileOffline).
  RedisConnection.clientFactory = (opts) => {
    const spec = (opts as Record<string, unknown>)[CLUSTER_SPEC] as ClusterSpec | undefined;
    if (spec) {
      const redisOptions = { ...spec.options.redisOptions, connectionName: opts.connectionName ?? spec.options.redisOptions?.connectionName };
      return createIORedisClient(new Cluster(spec.nodes, { ...spec.options, redisOptions }));
    }
    const { url, ...rest } = opts as RedisOptions & { url?: string };
    return createIORedisClient(closableWhileOffline(url ? new Redis(url, rest) : new Redis(rest)));
  };
}

/**
 * BullMQ's connection options (BullModule.forRoot). Offline queue off on every topology: an add
 * while Redis (or, on Cluster, the node owning the queues' slot) is away fails instead of
 * waiting, so the outbox row stays pending and the relay tries again. `maxRetriesPerRequest:
 * null` is what BullMQ's blocking worker connections require.
 */
export function bullConnection(config: AppConfig): RedisOptions {
  const base: RedisOptions = {
    connectionName: 'muwafaqa-bull',
    password: config.redisPassword,
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    retryStrategy,
  };
  installClientFactory();
  if (config.redisClusterNodes) {
    const spec: ClusterSpec = {
      nodes: config.redisClusterNodes.split(',').map(hostPort),
      // Offline queue off as on the other topologies: an add fails while the cluster is not ready.
      options: { ...clusterOptions({ ...behaviour('queue'), password: config.redisPassword }, 'queue'), enableOfflineQueue: false },
    };
    return { ...base, [CLUSTER_SPEC]: spec } as RedisOptions;
  }
  if (config.redisSentinels) return { ...base, ...sentinelOptions(config) };
  return { ...base, ...({ url: config.redisUrl } as RedisOptions) };
}

/**
 * Waits until REDIS_WAIT_REPLICAS replicas (or every attached replica, when fewer are attached)
 * hold what `queues` just wrote: Redis WAIT on each queue's own connection. Throws when fewer
 * acknowledge in time. On Sentinel this is what makes an enqueued job survive a failover: the
 * outbox row is marked dispatched only after it. With no replica attached (e.g. the old master
 * not back yet after a failover) there is nothing a failover could promote, so nothing to wait
 * for. Not applied on Cluster (WAIT would go to an arbitrary node) or when the setting is 0.
 */
export async function waitForReplicas(config: AppConfig, ...queues: Queue[]): Promise<void> {
  if (config.redisWaitReplicas <= 0 || config.redisClusterNodes) return;
  for (const queue of queues) {
    const client = (await queue.client) as unknown as Redis;
    const attached = Number(/connected_slaves:(\d+)/.exec(await client.info('replication'))?.[1] ?? 0);
    const needed = Math.min(config.redisWaitReplicas, attached);
    if (needed === 0) continue;
    const acked = Number(await client.wait(needed, config.redisWaitTimeoutMs));
    if (acked < needed) throw new Error(`Redis WAIT: ${acked} of ${needed} replicas acknowledged the enqueued jobs`);
  }
}

/** True when any Redis topology is configured (otherwise the server starts a local redis-server). */
export function hasRedisConfigured(config: AppConfig): boolean {
  return Boolean(config.redisUrl || config.redisSentinels || config.redisClusterNodes);
}

/** Resolves once the client is ready (first connection). */
export function whenReady(client: RedisClient): Promise<void> {
  return new Promise((ok) => (client.status === 'ready' ? ok() : client.once('ready', () => ok())));
}
