import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRoutes } from './outbox-routes';
import { OutboxSignal } from './outbox-signal';
import { OutboxRepository } from './outbox.repository';

/**
 * The transactional outbox: rows written in the same statement as the change they announce
 * (consent writes them and wakes the relay through OutboxSignal), the relay that moves them into
 * BullMQ, and the routing of each topic to the queue its consuming module registered. BullMQ's
 * connection is configured once, by AppModule.
 */
@Module({
  providers: [OutboxRepository, OutboxRelay, OutboxRoutes, OutboxSignal],
  exports: [OutboxRepository, OutboxRoutes, OutboxSignal],
})
export class OutboxModule {}
