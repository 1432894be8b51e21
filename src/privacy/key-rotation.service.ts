import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_MATERIAL } from '../common/core.module';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { KeyMaterial } from '../common/key-material';

/** One encrypted column (`*_enc`) and the primary key that addresses its rows. */
interface EncryptedColumn {
  table: string;
  column: string;
  primaryKey: string[];
}

export interface ColumnInventory {
  table: string;
  column: string;
  /** Rows per key id (the `<keyId>` of `v1.<keyId>.…`). */
  byKeyId: Record<string, number>;
}

export interface RotationResult {
  activeKeyId: string;
  startedAt: string;
  finishedAt: string;
  reencrypted: number;
  /** Values no key of the ring opens: left as they are and named here, never silently dropped. */
  undecryptable: { table: string; column: string; count: number }[];
}

export interface RotationReport {
  activeKeyId: string;
  running: boolean;
  /** Values not yet under the active key, over every encrypted column. */
  remaining: number;
  columns: ColumnInventory[];
  lastRun: RotationResult | null;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Re-encrypts every `*_enc` value that is not under the active data key (the first of DATA_KEYS).
 * Columns are found in the catalog, so a column added later by any feature is rotated too.
 * Batches of PRIVACY_BATCH_SIZE rows, each in its own short transaction with FOR UPDATE SKIP
 * LOCKED: the service keeps serving, several instances may rotate at once, and a row being
 * written by a request is simply taken by the next pass. Idempotent: run it until `remaining` is 0.
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);
  private running?: Promise<RotationResult>;
  private lastRun: RotationResult | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts a run in the background unless one is going on in this process; answers the report. */
  async start(): Promise<RotationReport> {
    if (!this.running) {
      this.running = this.rotate().finally(() => (this.running = undefined));
      this.running.catch((err: unknown) => this.logger.error(`data key rotation failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    return this.report();
  }

  /** Where every encrypted value stands, per column and key id. */
  async report(): Promise<RotationReport> {
    const active = this.keys.secretBox.activeKeyId;
    const columns: ColumnInventory[] = [];
    for (const c of await this.encryptedColumns()) {
      const rows: { key_id: string; n: string }[] = await this.db.query(
        `SELECT split_part(${quote(c.column)}, '.', 2) AS key_id, count(*) AS n FROM ${quote(c.table)}
          WHERE ${quote(c.column)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
      );
      columns.push({ table: c.table, column: c.column, byKeyId: Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)])) });
    }
    const remaining = columns.reduce((n, c) => n + Object.entries(c.byKeyId).reduce((m, [id, count]) => m + (id === active ? 0 : count), 0), 0);
    return {
      activeKeyId: active,
      running: this.running !== undefined,
      remaining,
      columns,
      lastRun: this.lastRun,
    };
  }

  /** Runs to the end (the `npm run keys:rotate` command awaits this). */
  async rotate(): Promise<RotationResult> {
    const startedAt = new Date().toISOString();
    const active = this.keys.secretBox.activeKeyId;
    let reencrypted = 0;
    const undecryptable: RotationResult['undecryptable'] = [];
    for (const column of await this.encryptedColumns()) {
      const done = await this.rotateColumn(column, active);
      reencrypted += done.reencrypted;
      if (done.undecryptable > 0) undecryptable.push({ table: column.table, column: column.column, count: done.undecryptable });
    }
    const result: RotationResult = { activeKeyId: active, startedAt, finishedAt: new Date().toISOString(), reencrypted, undecryptable };
    this.lastRun = result;
    // Counts and key ids only: never a value.
    this.logger.log(
      `data key rotation to "${active}": ${reencrypted} value(s) re-encrypted, ${undecryptable.length ? JSON.stringify(undecryptable) : 'none undecryptable'}`,
    );
    return result;
  }

  private async rotateColumn(c: EncryptedColumn, active: string): Promise<{ reencrypted: number; undecryptable: number }> {
    const pk = c.primaryKey.map(quote);
    const col = quote(c.column);
    const batch = this.config.privacyBatchSize;
    let reencrypted = 0;
    let undecryptable = 0;
    // Keyset over the primary key, so a value no key opens is passed once, not retried forever.
    let after: unknown[] | null = null;
    for (;;) {
      const step = await this.db.transaction(async (manager) => {
        const args: unknown[] = [active, batch];
        const keyset = after ? `AND (${pk.join(', ')}) > (${after.map((_, i) => `$${i + 3}`).join(', ')})` : '';
        if (after) args.push(...after);
        const rows: Record<string, unknown>[] = await manager.query(
          `SELECT ${pk.map((k, i) => `${k} AS pk${i}`).join(', ')}, ${col} AS value FROM ${quote(c.table)}
            WHERE ${col} IS NOT NULL AND split_part(${col}, '.', 2) <> $1 ${keyset}
            ORDER BY ${pk.join(', ')} LIMIT $2 FOR UPDATE SKIP LOCKED`,
          args,
        );
        const updates: { pk: unknown[]; value: string }[] = [];
        let failed = 0;
        for (const row of rows) {
          try {
            const plaintext = this.keys.secretBox.decrypt(row.value as string);
            updates.push({ pk: c.primaryKey.map((_, i) => row[`pk${i}`]), value: this.keys.secretBox.encrypt(plaintext) });
          } catch {
            failed++;
          }
        }
        for (const u of updates) {
          await manager.query(`UPDATE ${quote(c.table)} SET ${col} = $1 WHERE ${pk.map((k, i) => `${k} = $${i + 2}`).join(' AND ')}`, [u.value, ...u.pk]);
        }
        const last = rows[rows.length - 1];
        return { count: rows.length, updated: updates.length, failed, last: last ? c.primaryKey.map((_, i) => last[`pk${i}`]) : null };
      });
      reencrypted += step.updated;
      undecryptable += step.failed;
      if (step.count < batch || !step.last) break;
      after = step.last;
    }
    return { reencrypted, undecryptable };
  }

  /** Every `*_enc` text column of the schema (partitioned tables once, through their parent), with its table's primary key. */
  private async encryptedColumns(): Promise<EncryptedColumn[]> {
    const rows: { table_name: string; column_name: string; pk: string[] | null }[] = await this.db.query(
      `SELECT c.table_name, c.column_name,
              (SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND i.indisprimary) AS pk
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema = current_schema() AND c.column_name LIKE '%\\_enc' AND c.data_type IN ('text', 'character varying')
          -- A partition is rotated through its partitioned parent, not a second time on its own.
          AND NOT (SELECT relispartition FROM pg_class WHERE oid = format('%I.%I', c.table_schema, c.table_name)::regclass)
        ORDER BY c.table_name, c.column_name`,
    );
    return rows.filter((r) => r.pk && r.pk.length > 0).map((r) => ({ table: r.table_name, column: r.column_name, primaryKey: r.pk as string[] }));
  }
}
