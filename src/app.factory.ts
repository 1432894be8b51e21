import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { ApiError } from './common/errors/api-error';
import { ApiExceptionFilter, replyWithError } from './common/errors/api-exception.filter';
import { DECISION_MEDIA_TYPE } from './common/media-types';

/** Re-exported for callers that build requests (tests, tools). */
export { DECISION_MEDIA_TYPE };
import { CatalogValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/config';
import { instrumentRequestLog, requestIdOf } from './observability/logging';
import { MetricsService } from './observability/metrics.service';
import { setupOpenApi } from './openapi/openapi';

/**
 * JSON (and the decision's vendor JSON type) parsed with Fastify's own safe parser, keeping the
 * raw bytes on `req.rawBody` for the request signature; forms for the OAuth2 token endpoint.
 * Any other content type is refused by Fastify (415, answered as REQ_1000003).
 */
function registerBodyParsers(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(['application/json', DECISION_MEDIA_TYPE], { parseAs: 'buffer' }, (req, body, done) => {
    (req as typeof req & { rawBody?: Buffer }).rawBody = body as Buffer;
    json(req, (body as Buffer).toString('utf8'), done);
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/**
 * Requests Node's HTTP parser refuses before Fastify routes them (an oversized URL or header
 * block, bytes that are not HTTP) are answered from the catalog too, not with Fastify's default body.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(err);
    return;
  }
  const e = err.code === 'HPE_HEADER_OVERFLOW' ? new ApiError('REQ_1000009') : new ApiError('REQ_1000005');
  const body = JSON.stringify(e.body);
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * helmet's headers, computed once: they do not depend on the request, and building helmet's
 * middleware per request (as @fastify/helmet does) cost ~5% of a request's CPU.
 */
function staticSecurityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

/** Builds the HTTP application (used by main.ts and by the e2e tests, so both run the same server). */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdOf,
    requestIdHeader: false,
    return503OnClosing: true,
    trustProxy: false,
    clientErrorHandler: answerClientError,
    // A bad URL or an over-long path parameter is refused by the router before any handler: catalog too.
    frameworkErrors: (err: Error, req: FastifyRequest, reply: FastifyReply) => replyWithError(err, req, reply, config.bodyLimitBytes),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    // Body parsers are registered below: the signature needs the raw bytes of every JSON body.
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  registerBodyParsers(app.getHttpAdapter().getInstance());
  // Every answer carries helmet's security headers; the reference app and the docs are served
  // from this origin and need their own scripts.
  const securityHeaders = staticSecurityHeaders({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
    },
  });
  adapter.getInstance().addHook('onRequest', (_req, reply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  app.useGlobalFilters(new ApiExceptionFilter(config.bodyLimitBytes));
  // Errors raised by Fastify itself before a route runs (bad JSON, media type, body size) do not
  // reach Nest's filters: answer them from the same catalog. Fastify binds a route to the error
  // handler in place when the route is added, so Nest's own (set at init, after the routes) would
  // only replace ours with a warning: keep ours.
  adapter.getInstance().setErrorHandler((err, req, reply) => replyWithError(err, req, reply, config.bodyLimitBytes));
  adapter.setErrorHandler = () => adapter.getInstance();
  app.useGlobalPipes(new CatalogValidationPipe());

  // Every answer names its request id, so an SP can quote it to operations.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (req, reply, done) => {
      void reply.header('x-request-id', req.id);
      done();
    });
  // Metrics per route template, the request log's route and caller, Swagger UI at /docs.
  app.get(MetricsService).instrumentHttp(app.getHttpAdapter().getInstance());
  instrumentRequestLog(app.getHttpAdapter().getInstance());
  setupOpenApi(app, config);
  return app;
}
