import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { KeyMaterial, resolveKeyMaterial } from '../security/key-material';

export const REDIS = Symbol('REDIS');
export const KEY_MATERIAL = Symbol('KEY_MATERIAL');

/**
 * A Redis connection for request-time work (replay records, rate limits, cache invalidation).
 * It fails fast while Redis is away (no offline queue), so a request answers a coded 503 at once
 * instead of hanging; BullMQ keeps its own blocking connections.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}

@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(config: AppConfig) {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: KEY_MATERIAL, useFactory: (): KeyMaterial => resolveKeyMaterial(config) },
        {
          provide: REDIS,
          useFactory: async () => {
            const redis = createRedis(config.redisUrl!, 'muwafaqa-api');
            redis.on('error', () => undefined); // reconnects by itself; readiness reports it
            await new Promise<void>((ok) => (redis.status === 'ready' ? ok() : redis.once('ready', () => ok())));
            return redis;
          },
        },
      ],
      exports: [APP_CONFIG, KEY_MATERIAL, REDIS],
    };
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

/**
 * Every key the gateway writes in Redis starts with REDIS_PREFIX. Pass a `{…}` part as a Redis
 * Cluster hash tag when several keys must be touched in one MULTI (they then share a slot).
 */
export function redisKey(config: AppConfig, ...parts: string[]): string {
  return [config.redisPrefix, ...parts].join(':');
}
