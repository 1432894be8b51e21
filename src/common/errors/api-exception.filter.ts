import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import { isDependencyDown } from './dependency-down';

/** Maps anything thrown (ours, Nest's, Fastify's, a driver's) to one catalog error. */
export function toApiError(err: unknown, req: { method?: string; url?: string; id?: string }, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  const fastifyCode = (err as { code?: string })?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('REQ_1000003', { expected: 'application/json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('REQ_1000002', { limit: bodyLimit });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('REQ_1000001');
  }
  if (err instanceof SyntaxError || (err as { type?: string })?.type === 'entity.parse.failed') return new ApiError('REQ_1000001');
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new ApiError('REQ_1000004', { method: req.method ?? '', path: (req.url ?? '').split('?')[0] });
    if (status === 413) return new ApiError('REQ_1000002', { limit: bodyLimit });
    if (status === 415) return new ApiError('REQ_1000003', { expected: 'application/json' });
    if (status < 500) return new ApiError('REQ_1000005');
  }
  const status = (err as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new ApiError('REQ_1000002', { limit: bodyLimit });
    if (status === 415) return new ApiError('REQ_1000003', { expected: 'application/json' });
    return new ApiError('REQ_1000005');
  }
  if (isDependencyDown(err)) return new ApiError('REQ_1000006').withHeader('Retry-After', '5');
  // Postgres data exceptions (class 22: a NUL byte in text, a malformed uuid or number) come from
  // input no validator caught; the statement was refused, so it is the caller's bad request.
  const e = err as { driverError?: { code?: string }; code?: string };
  const sqlState = e?.driverError?.code ?? e?.code;
  if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState)) return new ApiError('REQ_1000005');
  return new ApiError('REQ_1000007', { requestId: String(req.id ?? '') });
}

const logger = new Logger('Errors');

/** Answers any error with its catalog body (and RFC 6749's fields on token-endpoint errors). */
export function replyWithError(err: unknown, req: FastifyRequest, reply: FastifyReply, bodyLimit: number): void {
  const apiError = toApiError(err, req, bodyLimit);
  if (apiError.status >= 500) {
    // Logged with the request id; the caller sees only the catalog body, never the stack.
    logger.error({ err, requestId: req.id, code: apiError.code }, 'request failed');
  }
  if (reply.sent) return;
  const extra = apiError.oauth ? { error: apiError.oauth.error, error_description: apiError.body.desc.en } : {};
  void reply
    .status(apiError.status)
    .headers({ ...apiError.headers, 'cache-control': 'no-store' })
    .type('application/json; charset=utf-8')
    .send({ ...extra, ...apiError.body });
}

/** Errors thrown by controllers, guards and pipes. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly bodyLimit: number) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    replyWithError(err, ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>(), this.bodyLimit);
  }
}
