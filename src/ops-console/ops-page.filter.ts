import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toApiError } from '../common/errors/api-exception.filter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { langOf } from './ops-i18n';
import { errorPage } from './ops-views';

/**
 * Console errors as an HTML page in the operator's language (with the other beneath), from the
 * same catalog as the API. A page opened without a session goes to the sign-in instead.
 */
@Catch()
export class OpsPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('OpsConsole');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const error = toApiError(err, req, this.config.bodyLimitBytes);
    if (error.status >= 500) this.logger.error({ err, requestId: req.id, code: error.code }, 'ops console request failed');
    if (reply.sent) return;
    if (error.code === 'OPS_1000001' && req.method === 'GET') {
      void reply.header('cache-control', 'no-store').redirect('/ops/login', 302);
      return;
    }
    void reply
      .status(error.status)
      .headers({ ...error.headers, 'cache-control': 'no-store' })
      .type('text/html; charset=utf-8')
      .send(errorPage({ lang: langOf(req), session: null }, error.status, error.body));
  }
}
