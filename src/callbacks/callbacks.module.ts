import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config';
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
 * its consumer where workers run (`npm run worker`, or in-process). Global like
 * NotificationsModule: health, metrics and the ops console read both queues.
 */
@Module({})
export class CallbacksModule {
  static forRoot(_config: AppConfig, opts: { workers: boolean }): DynamicModule {
    const providers: Provider[] = [
      CallbackAttemptRepository,
      CallbackEventRepository,
      CallbackDelivery,
      CallbackEvents,
      CallbackOutboxRoute,
      ...(opts.workers ? [CallbackProcessor] : []),
    ];
    return {
      module: CallbacksModule,
      global: true,
      imports: [ServiceProvidersModule, BullModule.registerQueue({ name: CALLBACK_QUEUE })],
      providers,
      exports: [BullModule, CallbackDelivery, CallbackEvents],
    };
  }
}
