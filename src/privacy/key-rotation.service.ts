import { Inject, Injectable, Logger } from '@nestjs/common';
import { KEY_MATERIAL } from '../common/core.module';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { KeyMaterial } from '../common/key-material';
import { EncryptedColumn, KeyRotationRepository } from './key-rotation.repository';

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
    private readonly repo: KeyRotationRepository,
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
    for (const c of await this.repo.encryptedColumns()) {
      columns.push({ table: c.table, column: c.column, byKeyId: await this.repo.countByKeyId(c) });
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
    for (const column of await this.repo.encryptedColumns()) {
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
    const batch = this.config.privacyBatchSize;
    let reencrypted = 0;
    let undecryptable = 0;
    let after: unknown[] | null = null;
    for (;;) {
      const step = await this.repo.reencryptBatch(c, active, after, batch, (value) => this.reencrypt(value));
      reencrypted += step.updated;
      undecryptable += step.failed;
      if (step.count < batch || !step.last) break;
      after = step.last;
    }
    return { reencrypted, undecryptable };
  }

  /** The value under the active key, or null when no key of the ring opens it. */
  private reencrypt(value: string): string | null {
    try {
      return this.keys.secretBox.encrypt(this.keys.secretBox.decrypt(value));
    } catch {
      return null;
    }
  }
}
