import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { REDIS, redisKey } from '../../common/core.module';
import { createRedisClient, RedisClient, whenReady } from '../../common/redis';
import { ApiError } from '../../common/errors/api-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { TokenService } from '../../security/token.service';
import { DeviceRegistry } from '../device-registry.service';

/** The `data` of an SSE `consent-request` event (see docs/notifications.md). */
export interface ConsentRequestEvent {
  uaePassTransactionID: string;
  title: string;
  body: string;
  lang: 'en' | 'ar';
}

const HEARTBEAT_MS = 15_000;

type Listener = (event: ConsentRequestEvent) => void;

/**
 * Live events for the reference web app. A push to an 'sse' device is a Redis PUBLISH on the
 * device's channel, so whichever instance holds the browser's stream delivers it; PUBLISH
 * answers how many streams listened, which is how the worker knows the device was reached.
 * On a Redis Cluster the channel is sharded (SPUBLISH/SSUBSCRIBE): a plain PUBLISH there counts
 * only the subscribers on the node it was sent to, a sharded one reaches and counts them all.
 */
@Injectable()
export class SseHub implements OnModuleDestroy {
  private readonly logger = new Logger(SseHub.name);
  private subscriber?: RedisClient;
  private subscriberReady?: Promise<void>;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly open = new Set<FastifyReply>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly tokens: TokenService,
    private readonly devices: DeviceRegistry,
  ) {}

  /** Publishes to every open stream of the device; answers how many received it. */
  async publish(deviceId: string, event: ConsentRequestEvent): Promise<number> {
    const message = JSON.stringify(event);
    return this.sharded ? Number(await this.redis.spublish(this.channel(deviceId), message)) : this.redis.publish(this.channel(deviceId), message);
  }

  private get sharded(): boolean {
    return Boolean(this.config.redisClusterNodes);
  }

  /**
   * `GET /app/v1/events?access_token=…&deviceId=…`. EventSource cannot send headers, so the user
   * token comes in the query (the request log drops query strings).
   */
  async stream(accessToken: unknown, deviceId: unknown, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (typeof accessToken !== 'string' || accessToken === '' || accessToken.length > 8192) throw new ApiError('SEC_1000001');
    const principal = await this.tokens.verifyAccessToken(accessToken);
    if (!principal) throw new ApiError('SEC_1000001');
    if (principal.kind !== 'user') throw new ApiError('SEC_1000007');
    if (typeof deviceId !== 'string' || deviceId === '') throw new ApiError('NTF_1000001', { deviceId: '' });
    const device = await this.devices.get(principal.subject, deviceId);
    await this.listen(device.id);

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ deviceId: device.id })}\n\n`);
    const listener: Listener = (event) => raw.write(`id: ${event.uaePassTransactionID}\nevent: consent-request\ndata: ${JSON.stringify(event)}\n\n`);
    this.add(device.id, listener);
    this.open.add(reply);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      this.open.delete(reply);
      this.remove(device.id, listener);
    });
  }

  async onModuleDestroy(): Promise<void> {
    for (const reply of this.open) reply.raw.end();
    this.open.clear();
    this.subscriber?.disconnect();
  }

  private channel(deviceId: string): string {
    return redisKey(this.config, 'sse', deviceId);
  }

  /** Subscribes this instance to the device's channel before the stream is announced ready. */
  private async listen(deviceId: string): Promise<void> {
    if (!this.subscriber) {
      // A dedicated connection: a subscribed client cannot run other commands. It resubscribes after reconnecting.
      this.subscriber = createRedisClient(this.config, 'subscriber', 'muwafaqa-sse');
      this.subscriberReady = whenReady(this.subscriber);
      this.subscriber.on('error', () => undefined);
      this.subscriber.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) => {
        const deviceId = channel.slice(channel.lastIndexOf(':') + 1);
        let event: ConsentRequestEvent;
        try {
          event = JSON.parse(message) as ConsentRequestEvent;
        } catch {
          return;
        }
        for (const l of this.listeners.get(deviceId) ?? []) l(event);
      });
    }
    if (!this.listeners.has(deviceId)) {
      this.listeners.set(deviceId, new Set());
      try {
        if (this.sharded) {
          // A cluster routes SSUBSCRIBE by slot: it needs the slot map, known once the client is ready.
          await Promise.race([this.subscriberReady, new Promise((_, no) => setTimeout(() => no(new Error('cluster not ready')), 5000).unref())]);
          await this.subscriber.ssubscribe(this.channel(deviceId));
        } else await this.subscriber.subscribe(this.channel(deviceId));
      } catch (err) {
        this.listeners.delete(deviceId);
        this.logger.warn(`sse subscribe failed: ${(err as Error).message}`);
        throw new ApiError('REQ_1000006');
      }
    }
  }

  private add(deviceId: string, listener: Listener): void {
    if (!this.listeners.has(deviceId)) this.listeners.set(deviceId, new Set());
    this.listeners.get(deviceId)!.add(listener);
  }

  private remove(deviceId: string, listener: Listener): void {
    const set = this.listeners.get(deviceId);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) {
      this.listeners.delete(deviceId);
      const channel = this.channel(deviceId);
      void (this.sharded ? this.subscriber?.sunsubscribe(channel) : this.subscriber?.unsubscribe(channel))?.catch(() => undefined);
    }
  }
}
