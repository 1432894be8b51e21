import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { ConsentModule } from '../consent/consent.module';
import { SecurityModule } from '../security/security.module';
import { DeviceRegistry } from './device-registry.service';
import { DeviceRepository } from './device.repository';
import { NotificationAttemptRepository } from './notification-attempt.repository';
import { PROVIDERS } from './providers/push-providers';
import { PushJobRepository } from './push-job.repository';
import { PushOutboxRoute } from './push-outbox-route';
import { PushProcessor } from './push.processor';
import { QueueBoard } from './queue-board';
import { PUSH_QUEUE } from './queues';
import { SseController } from './sse/sse.controller';
import { SseHub } from './sse/sse-hub.service';

/**
 * The push-notifications queue (fed by the outbox relay through PushOutboxRoute), the device
 * registry, the live SSE channel and the queue board.
 * Queue consumers (processors) are added only where workers run: in `npm run worker`, or inside
 * the server when WORKERS_IN_PROCESS=true.
 */
@Module({})
export class NotificationsModule {
  static forRoot(_config: AppConfig, opts: { workers: boolean }): DynamicModule {
    const processors: Provider[] = opts.workers ? WORKER_PROVIDERS : [];
    return {
      module: NotificationsModule,
      global: true,
      imports: [BullModule.registerQueue({ name: PUSH_QUEUE }), ConsentModule, SecurityModule],
      controllers: [SseController],
      providers: [
        DeviceRepository,
        NotificationAttemptRepository,
        PushJobRepository,
        PushOutboxRoute,
        DeviceRegistry,
        SseHub,
        QueueBoard,
        ...PROVIDERS,
        ...processors,
      ],
      exports: [BullModule, DeviceRegistry, SseHub],
    };
  }
}

/** Queue consumers run by this module (the SP callback consumer lives in src/callbacks). */
export const WORKER_PROVIDERS: Provider[] = [PushProcessor];
