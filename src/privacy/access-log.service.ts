import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fieldError } from '../common/errors/api-error';
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
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (q.actor) add('actor = ?', q.actor);
    if (q.subjectType) add('subject_type = ?', q.subjectType);
    if (q.subjectId) add('subject_id = ?', q.subjectId);
    if (q.from) add('at >= ?::timestamptz', q.from);
    if (q.to) add('at < ?::timestamptz', q.to);
    if (q.cursor) add('id < ?::bigint', q.cursor);
    args.push(limit + 1);
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
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
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
