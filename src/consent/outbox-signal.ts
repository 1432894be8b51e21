import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * Wakes the outbox relay of this process as soon as a row is committed, so a push does not wait
 * for the next poll. Other instances' rows are picked up by polling (OUTBOX_POLL_INTERVAL_MS).
 */
@Injectable()
export class OutboxSignal extends EventEmitter {
  kick(): void {
    this.emit('kick');
  }
}
