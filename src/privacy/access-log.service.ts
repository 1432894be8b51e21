import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fieldError } from '../common/errors/api-error';
import { SqlFilter } from '../common/sql-filter';
import type { AccessLogQuery } from './privacy.dto';

export interface AccessLogEntry {
  id: string;
  at: string;
  actor: string;
  subjectType: string;
  subjectId: string | null;
  action: string;
  reason: string | null;
  requestId: string | null;
}

/** Operators' view of who read which personal data (the table is append-only). */
@Injectable()
export class AccessLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(q: AccessLogQuery): Promise<{ items: AccessLogEntry[]; nextCursor: string | null }> {
    if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) throw fieldError('to', 'format');
    const limit = q.limit ?? 50;
    const filter = new SqlFilter();
    if (q.actor) filter.add('actor = ?', q.actor);
    if (q.subjectType) filter.add('subject_type = ?', q.subjectType);
    if (q.subjectId) filter.add('subject_id = ?', q.subjectId);
    if (q.from) filter.add('at >= ?::timestamptz', q.from);
    if (q.to) filter.add('at < ?::timestamptz', q.to);
    if (q.cursor) filter.add('id < ?::bigint', q.cursor);
    const rows: {
      id: string;
      at: Date;
      actor: string;
      subject_type: string;
      subject_id: string | null;
      action: string;
      reason: string | null;
      request_id: string | null;
    }[] = await this.db.query(
      `SELECT id, at, actor, subject_type, subject_id, action, reason, request_id FROM access_log
          ${filter.where} ORDER BY id DESC LIMIT ${filter.param(limit + 1)}`,
      filter.args,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: String(r.id),
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        action: r.action,
        reason: r.reason,
        requestId: r.request_id,
      })),
      nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null,
    };
  }
}
