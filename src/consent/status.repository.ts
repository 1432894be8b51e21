import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Batcher } from '../common/batcher';
import { isDependencyDown } from '../common/errors/dependency-down';
import { APP_CONFIG, AppConfig } from '../config/config';
import { runPrepared } from '../database/prepared';
import { InjectReadDataSource } from '../database/read-database';
import { ConsentStatus, EFFECTIVE_STATUS_SQL } from './consent-state-machine';

/** One SP's name for one of its transactions. */
export interface TransactionKey {
  spId: string;
  spTransactionId: string;
}

/** A transaction as its SP reads it: an overdue pending request reads EXPIRED. */
export interface TransactionState {
  id: string;
  status: ConsentStatus;
}

/**
 * Many lookups in one statement (one name, one plan for any count): per key, one primary-key probe
 * of the idempotency table, then one partition of consent_transactions (the id names its month).
 * Each key answers on its own row (`ord`, its position), so a key with no transaction, or one
 * naming another SP's transaction, simply has no row.
 */
const FIND_SQL = `SELECT r.ord::int AS ord, t.id, ${EFFECTIVE_STATUS_SQL} AS status
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(key_sp_id, key_sp_transaction_id, ord)
  JOIN consent_idempotency i ON i.sp_id = r.key_sp_id AND i.sp_transaction_id = r.key_sp_transaction_id
  JOIN consent_transactions t ON t.id = i.transaction_id`;

/** The lookups of POST /status and /cancel: a transaction by its SP's own id. */
@Injectable()
export class StatusRepository {
  /**
   * Concurrent polls share one statement: a lone poll goes at once; while one runs, polls gather
   * until it ends, STATUS_BATCH_MAX wait or STATUS_BATCH_WINDOW_MS pass.
   */
  private readonly polls: Batcher<TransactionKey, PromiseSettledResult<TransactionState | undefined>>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReadDataSource() private readonly readDb: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.polls = new Batcher((keys) => this.findEach(this.readDb, keys), {
      maxBatch: config.statusBatchMax,
      windowMs: config.statusBatchWindowMs,
      atOnceWhenIdle: true,
    });
  }

  /**
   * For polling: may read a replica (DATABASE_READ_URL), so a status can trail a decision by the
   * replica's lag, which a poller sees one poll later.
   */
  async findPolled(key: TransactionKey): Promise<TransactionState | undefined> {
    const answer = await this.polls.add(key);
    if (answer.status === 'rejected') throw answer.reason;
    return answer.value;
  }

  /** On the primary, never on a lagging copy: for decisions (cancel). */
  async findOnPrimary(key: TransactionKey): Promise<TransactionState | undefined> {
    return (await this.findMany(this.db, [key]))[0];
  }

  /**
   * One statement for the batch. Postgres away fails every key (each answers the coded 503); any
   * other failure (a value the database refused) is retried key by key, so one bad key never
   * fails the others.
   */
  private async findEach(db: DataSource, keys: TransactionKey[]): Promise<PromiseSettledResult<TransactionState | undefined>[]> {
    try {
      return (await this.findMany(db, keys)).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (keys.length === 1 || isDependencyDown(err)) throw err;
      return Promise.allSettled(keys.map(async (key) => (await this.findMany(db, [key]))[0]));
    }
  }

  private async findMany(db: DataSource, keys: readonly TransactionKey[]): Promise<(TransactionState | undefined)[]> {
    const rows = await runPrepared<TransactionState & { ord: number }>(db, 'consent_status_by_sp_tx_batch', FIND_SQL, [
      keys.map((k) => k.spId),
      keys.map((k) => k.spTransactionId),
    ]);
    const found: (TransactionState | undefined)[] = new Array(keys.length).fill(undefined);
    for (const r of rows) found[r.ord - 1] = { id: r.id, status: r.status };
    return found;
  }
}
