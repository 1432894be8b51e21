import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventEmitter } from 'node:events';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Wakes the outbox relay of this process as soon as a row is committed, so a push or a callback
 * does not wait for the next poll. Other instances' rows are picked up by polling
 * (OUTBOX_POLL_INTERVAL_MS).
 */
@Injectable()
export class OutboxSignal extends EventEmitter {
  /** Query runners whose open transaction wrote outbox rows: kicked when (and only if) it commits. */
  private readonly pending = new WeakSet<QueryRunner>();

  constructor(@InjectDataSource() db: DataSource) {
    super();
    // A kick before COMMIT would find nothing (the relay cannot see uncommitted rows), so rows
    // written inside a caller's transaction wake the relay from TypeORM's after-commit event.
    db.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => {
        if (queryRunner.isTransactionActive || !this.pending.has(queryRunner)) return; // a savepoint released, or nothing written
        this.pending.delete(queryRunner);
        this.kick();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
      },
    });
  }

  kick(): void {
    this.emit('kick');
  }

  /** Kicks once the rows just written through `manager` are committed (at once when it is not in a transaction). */
  kickAfterCommit(manager?: EntityManager): void {
    const runner = manager?.queryRunner;
    if (runner?.isTransactionActive) this.pending.add(runner);
    else this.kick();
  }
}
