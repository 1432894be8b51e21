import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { from, Observable, mergeMap } from 'rxjs';
import { ApiError } from '../common/errors/api-error';
import type { Principal } from '../security/token.service';
import { AccessLogRepository } from './access-log.repository';

export type AuditedSubject = 'transaction' | 'user';

interface AuditedReadMeta {
  subject: AuditedSubject;
  /** Route parameter (or, failing that, query parameter) naming the subject; none for listings. */
  idParam?: string;
}

const AUDITED_READ = 'muwafaqa:audited-read';
export const ACCESS_REASON_HEADER = 'x-access-reason';
const MAX_REASON = 500;

/**
 * Records every operator read of a transaction or user profile in the append-only access_log:
 * who (the admin client), when, what (route), which subject, and why (`X-Access-Reason`).
 * The row is written after the handler succeeded and before the answer leaves: a read whose
 * record cannot be written is not answered, and a refused read (404, 400) discloses nothing.
 */
@Injectable()
export class AccessAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly log: AccessLogRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedReadMeta>(AUDITED_READ, context.getHandler());
    if (!meta) return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const reason = accessReasonOf(req.headers[ACCESS_REASON_HEADER]);
    return next.handle().pipe(mergeMap((body) => from(this.record(req, meta, reason).then(() => body))));
  }

  private async record(req: FastifyRequest & { user?: Principal }, meta: AuditedReadMeta, reason: string | null): Promise<void> {
    const params = (req.params ?? {}) as Record<string, unknown>;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const raw = meta.idParam ? (params[meta.idParam] ?? query[meta.idParam]) : undefined;
    const subjectId = typeof raw === 'string' && raw !== '' ? raw.slice(0, 128) : null;
    // The route pattern, never the query string: filters are not worth the risk of copying data.
    const route = (req as FastifyRequest & { routeOptions?: { url?: string } }).routeOptions?.url ?? String(req.url).split('?')[0];
    const actor = req.user ? `${req.user.kind}:${req.user.subject}` : 'unknown';
    await this.log.record({
      actor,
      subjectType: meta.subject,
      subjectId,
      action: `${req.method} ${route}`,
      reason,
      requestId: String(req.id).slice(0, 64),
    });
  }
}

/** The optional why of a read: one line of printable text, at most 500 characters. */
export function accessReasonOf(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (value === '') return null;
  if (value.length > MAX_REASON || /[\u0000-\u001f\u007f]/.test(value)) throw new ApiError('PRV_1000001', { max: MAX_REASON });
  return value;
}

/**
 * Marks an operator route as a read of personal data: `@AuditedRead('transaction', 'id')` logs
 * the `:id` it read; `@AuditedRead('transaction')` a listing.
 */
export function AuditedRead(subject: AuditedSubject, idParam?: string) {
  return applyDecorators(
    SetMetadata(AUDITED_READ, { subject, idParam } satisfies AuditedReadMeta),
    UseInterceptors(AccessAuditInterceptor),
    ApiHeader({ name: 'X-Access-Reason', required: false, description: 'Why this personal data is read (kept in the access log, at most 500 characters)' }),
  );
}
