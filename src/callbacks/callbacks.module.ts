import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { workerOnly } from '../common/worker-only';
import { OutboxModule } from '../outbox/outbox.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { CallbackAttemptRepository } from './callback-attempt.repository';
import { CallbackDelivery } from './callback-delivery.service';
import { CallbackEventRepository } from './callback-event.repository';
import { CallbackEvents } from './callback-events';
import { CallbackOutboxRoute } from './callback-outbox-route';
import { CALLBACK_QUEUE } from './callback-queue';
import { CallbackProcessor } from './callback.processor';

/**
 * SP callbacks: the sp-callbacks queue (fed by the outbox relay through CallbackOutboxRoute) and
 * its consumer where workers run (`npm run worker`, or in-process). Exports the queue: health,
 * metrics and the ops console read it.
 */
@Module({
  imports: [ServiceProvidersModule, OutboxModule, BullModule.registerQueue({ name: CALLBACK_QUEUE })],
  providers: [CallbackAttemptRepository, CallbackEventRepository, CallbackDelivery, CallbackEvents, CallbackOutboxRoute, workerOnly(CallbackProcessor)],
  exports: [BullModule],
})
export class CallbacksModule {}
