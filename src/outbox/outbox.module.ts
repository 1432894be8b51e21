import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { bullConnection } from '../common/redis';
import type { AppConfig } from '../config/config';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRoutes } from './outbox-routes';
import { OutboxSignal } from './outbox-signal';
import { OutboxRepository } from './outbox.repository';
import { queuePrefix } from './queue-options';

/**
 * The transactional outbox: rows written in the same statement as the change they announce
 * (consent writes them), the relay that moves them into BullMQ, and the routing of each topic
 * to the queue its consuming module registered. Global because every writer of a status and
 * every consumer of a topic needs it.
 */
@Module({})
export class OutboxModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OutboxModule,
      global: true,
      imports: [
        BullModule.forRoot({
          // Any topology (single node, Sentinel, Cluster); an add while Redis is away fails at once
          // (the outbox row waits instead). See bullConnection.
          connection: bullConnection(config),
          prefix: queuePrefix(config),
        }),
      ],
      providers: [OutboxRepository, OutboxRelay, OutboxRoutes, OutboxSignal],
      exports: [OutboxRepository, OutboxRelay, OutboxRoutes, OutboxSignal],
    };
  }
}
