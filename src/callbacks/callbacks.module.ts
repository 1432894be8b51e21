import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { CallbackDelivery } from './callback-delivery.service';
import { CallbackProcessor } from './callback.processor';

/**
 * SP callbacks. The queue itself is registered by NotificationsModule (the outbox relay feeds
 * it); this module adds the consumer where workers run (`npm run worker`, or in-process).
 */
@Module({})
export class CallbacksModule {
  static forRoot(_config: AppConfig, opts: { workers: boolean }): DynamicModule {
    const providers: Provider[] = [CallbackDelivery, ...(opts.workers ? [CallbackProcessor] : [])];
    return { module: CallbacksModule, imports: [ServiceProvidersModule], providers, exports: [CallbackDelivery] };
  }
}
