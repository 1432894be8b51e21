import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlFilter } from '../common/sql-filter';

/** One operator read of personal data, as recorded. */
export interface AccessRecord {
  actor: string;
  subjectType: string;
  subjectId: string | null;
  action: string;
  reason: string | null;
  requestId: string;
}

export interface AccessLogRow {
  id: string;
  at: Date;
  actor: string;
  subject_type: string;
  subject_id: string | null;
  action: string;
  reason: string | null;
  request_id: string | null;
}

/** The search filters of the access log; every one optional. */
export interface AccessLogSearch {
  actor?: string;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
  /** The id of the last record of the previous page. */
  beforeId?: string;
}

/** All SQL on access_log, an append-only table: rows are inserted and read, never changed. */
@Injectable()
export class AccessLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(r: AccessRecord): Promise<void> {
    await this.db.query(`INSERT INTO access_log (actor, subject_type, subject_id, action, reason, request_id) VALUES ($1, $2, $3, $4, $5, $6)`, [
      r.actor,
      r.subjectType,
      r.subjectId,
      r.action,
      r.reason,
      r.requestId,
    ]);
  }

  /** Newest first, at most `limit` records, paged by id. */
  search(q: AccessLogSearch, limit: number): Promise<AccessLogRow[]> {
    const filter = new SqlFilter();
    if (q.actor) filter.add('actor = ?', q.actor);
    if (q.subjectType) filter.add('subject_type = ?', q.subjectType);
    if (q.subjectId) filter.add('subject_id = ?', q.subjectId);
    if (q.from) filter.add('at >= ?::timestamptz', q.from);
    if (q.to) filter.add('at < ?::timestamptz', q.to);
    if (q.beforeId) filter.add('id < ?::bigint', q.beforeId);
    return this.db.query(
      `SELECT id, at, actor, subject_type, subject_id, action, reason, request_id FROM access_log
          ${filter.where} ORDER BY id DESC LIMIT ${filter.param(limit)}`,
      filter.args,
    );
  }
}
