import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { createRedisClient, RedisClient, whenReady } from './redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { KeyMaterial, resolveKeyMaterial } from './key-material';

export const REDIS = Symbol('REDIS');
export const KEY_MATERIAL = Symbol('KEY_MATERIAL');
/** True when this process runs the queue workers and the periodic jobs (decided by AppModule.forRoot). */
export const RUNS_WORKERS = Symbol('RUNS_WORKERS');

@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  static forRoot(config: AppConfig, runsWorkers: boolean) {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: RUNS_WORKERS, useValue: runsWorkers },
        { provide: KEY_MATERIAL, useFactory: (): KeyMaterial => resolveKeyMaterial(config) },
        {
          provide: REDIS,
          useFactory: async () => {
            // Request-time work (replay records, rate limits): fails fast while Redis is away.
            const redis = createRedisClient(config, 'request', 'muwafaqa-api');
            redis.on('error', () => undefined); // reconnects by itself; readiness reports it
            await whenReady(redis);
            return redis;
          },
        },
      ],
      exports: [APP_CONFIG, KEY_MATERIAL, REDIS, RUNS_WORKERS],
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
