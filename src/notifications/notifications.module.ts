import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { bullConnection } from '../common/redis';
import type { AppConfig } from '../config/config';
import { ConsentModule } from '../consent/consent.module';
import { SecurityModule } from '../security/security.module';
import { DeviceRegistry } from './device-registry.service';
import { OutboxRelay } from './outbox-relay.service';
import { PROVIDERS } from './providers/push-providers';
import { PushProcessor } from './push.processor';
import { QueueBoard } from './queue-board';
import { CALLBACK_QUEUE, PUSH_QUEUE, queuePrefix } from './queues';
import { SseController } from './sse/sse.controller';
import { SseHub } from './sse/sse-hub.service';

/**
 * Queues (BullMQ on Redis), the outbox relay, the device registry and the live SSE channel.
 * Queue consumers (processors) are added only where workers run: in `npm run worker`, or inside
 * the server when WORKERS_IN_PROCESS=true.
 */
@Module({})
export class NotificationsModule {
  static forRoot(config: AppConfig, opts: { workers: boolean }): DynamicModule {
    const processors: Provider[] = opts.workers ? WORKER_PROVIDERS : [];
    return {
      module: NotificationsModule,
      global: true,
      imports: [
        BullModule.forRoot({
          // Any topology (single node, Sentinel, Cluster); an add while Redis is away fails at once
          // (the outbox row waits instead). See bullConnection.
          connection: bullConnection(config),
          prefix: queuePrefix(config),
        }),
        BullModule.registerQueue({ name: PUSH_QUEUE }, { name: CALLBACK_QUEUE }),
        ConsentModule,
        SecurityModule,
      ],
      controllers: [SseController],
      providers: [OutboxRelay, DeviceRegistry, SseHub, QueueBoard, ...PROVIDERS, ...processors],
      exports: [BullModule, OutboxRelay, DeviceRegistry, SseHub],
    };
  }
}

/** Queue consumers run by this module (the SP callback consumer lives in src/callbacks). */
export const WORKER_PROVIDERS: Provider[] = [PushProcessor];
