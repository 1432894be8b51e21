import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/config';

export type RedisClient = Redis | Cluster;

/**
 * How a connection behaves:
 * - `request`: request-time work (replay records, rate limits). Fails fast while Redis is away, so
 *   a request answers a coded 503 at once instead of hanging.
 * - `queue`: BullMQ producers and workers. BullMQ requires `maxRetriesPerRequest: null` for its
 *   blocking commands; commands wait for a reconnect (or a Sentinel/Cluster failover).
 * - `subscriber`: pub/sub (cache invalidation, SSE fan-out); resubscribes after reconnects.
 */
export type RedisPurpose = 'request' | 'queue' | 'subscriber';

function hostPort(entry: string): { host: string; port: number } {
  const [host, port] = entry.trim().split(':');
  return { host, port: Number(port || 6379) };
}

function behaviour(purpose: RedisPurpose): RedisOptions {
  const retryStrategy = (times: number) => Math.min(times * 100, 2000);
  if (purpose === 'request') return { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy };
  if (purpose === 'queue') return { maxRetriesPerRequest: null, enableReadyCheck: false, retryStrategy };
  return { maxRetriesPerRequest: null, retryStrategy };
}

/**
 * One place that knows the Redis topology: a single node (REDIS_URL), Sentinel
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME) or Cluster (REDIS_CLUSTER_NODES). Reconnection after a
 * failover is ioredis's job: no restart needed.
 */
export function createRedisClient(config: AppConfig, purpose: RedisPurpose, name: string): RedisClient {
  const common: RedisOptions = { ...behaviour(purpose), connectionName: name, password: config.redisPassword };
  if (config.redisClusterNodes) {
    const options: ClusterOptions = {
      redisOptions: common,
      enableOfflineQueue: purpose !== 'request',
      enableReadyCheck: true,
      clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    };
    return new Cluster(config.redisClusterNodes.split(',').map(hostPort), options);
  }
  if (config.redisSentinels) {
    return new Redis({
      ...common,
      sentinels: config.redisSentinels.split(',').map(hostPort),
      name: config.redisSentinelName,
      sentinelRetryStrategy: (times) => Math.min(times * 100, 2000),
      // After a failover, reconnect to the new master rather than keep talking to the demoted one.
      failoverDetector: true,
    } as RedisOptions);
  }
  return new Redis(config.redisUrl!, common);
}

/** True when any Redis topology is configured (otherwise the server starts a local redis-server). */
export function hasRedisConfigured(config: AppConfig): boolean {
  return Boolean(config.redisUrl || config.redisSentinels || config.redisClusterNodes);
}

/** Resolves once the client is ready (first connection). */
export function whenReady(client: RedisClient): Promise<void> {
  return new Promise((ok) => (client.status === 'ready' ? ok() : client.once('ready', () => ok())));
}
