import { Injectable } from '@nestjs/common';
import { fieldError } from '../common/errors/api-error';
import { AccessLogRepository } from './access-log.repository';
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
  constructor(private readonly repo: AccessLogRepository) {}

  async list(q: AccessLogQuery): Promise<{ items: AccessLogEntry[]; nextCursor: string | null }> {
    if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) throw fieldError('to', 'format');
    const limit = q.limit ?? 50;
    const rows = await this.repo.search({ ...q, beforeId: q.cursor }, limit + 1);
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
