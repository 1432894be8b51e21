import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** One encrypted column (`*_enc`) and the primary key that addresses its rows. */
export interface EncryptedColumn {
  table: string;
  column: string;
  primaryKey: string[];
}

/** What one batch of a column did; `last` is the primary key of its last row, where the next batch starts. */
export interface ReencryptedBatch {
  count: number;
  updated: number;
  failed: number;
  last: unknown[] | null;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The data key rotation's statements over every `*_enc` column of the schema, whichever table
 * holds it (found in the catalog, so a column added later by any feature is rotated too).
 */
@Injectable()
export class KeyRotationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every `*_enc` text column of the schema (partitioned tables once, through their parent), with its table's primary key. */
  async encryptedColumns(): Promise<EncryptedColumn[]> {
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

  /** Values of one column per key id (the `<keyId>` of `v1.<keyId>.…`). */
  async countByKeyId(c: EncryptedColumn): Promise<Record<string, number>> {
    const rows: { key_id: string; n: string }[] = await this.db.query(
      `SELECT split_part(${quote(c.column)}, '.', 2) AS key_id, count(*) AS n FROM ${quote(c.table)}
        WHERE ${quote(c.column)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  }

  /**
   * Takes up to `limit` values not under `activeKeyId` after the primary key `after` (keyset, so
   * a value no key opens is passed once, not retried forever), locked FOR UPDATE SKIP LOCKED, and
   * writes back what `reencrypt` answers (null: leave the value as it is), in one short transaction.
   */
  reencryptBatch(
    c: EncryptedColumn,
    activeKeyId: string,
    after: unknown[] | null,
    limit: number,
    reencrypt: (value: string) => string | null,
  ): Promise<ReencryptedBatch> {
    const pk = c.primaryKey.map(quote);
    const col = quote(c.column);
    return this.db.transaction(async (manager) => {
      const args: unknown[] = [activeKeyId, limit];
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
        const value = reencrypt(row.value as string);
        if (value === null) failed++;
        else updates.push({ pk: c.primaryKey.map((_, i) => row[`pk${i}`]), value });
      }
      for (const u of updates) {
        await manager.query(`UPDATE ${quote(c.table)} SET ${col} = $1 WHERE ${pk.map((k, i) => `${k} = $${i + 2}`).join(' AND ')}`, [u.value, ...u.pk]);
      }
      const last = rows[rows.length - 1];
      return { count: rows.length, updated: updates.length, failed, last: last ? c.primaryKey.map((_, i) => last[`pk${i}`]) : null };
    });
  }
}
