import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { CallbacksModule } from '../callbacks/callbacks.module';
import { workerOnly } from '../common/worker-only';
import { ConsentModule } from '../consent/consent.module';
import { OutboxModule } from '../outbox/outbox.module';
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
 * registry, the live SSE channel and the queue board (which shows the callbacks' queue too).
 * The queue's consumer exists only where workers run: in `npm run worker`, or inside the server
 * when WORKERS_IN_PROCESS=true (see workerOnly).
 */
@Module({
  imports: [BullModule.registerQueue({ name: PUSH_QUEUE }), CallbacksModule, ConsentModule, OutboxModule, SecurityModule],
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
    workerOnly(PushProcessor),
  ],
  exports: [BullModule, DeviceRegistry],
})
export class NotificationsModule {}
