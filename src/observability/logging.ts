import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config';

/** Header names whose values never reach a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-up-accesstoken', 'x-uaepass-signature', 'x-api-key', 'cookie', 'set-cookie'];

/** A caller-supplied request id is kept only if it looks like one (no log injection). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/** What the request log line adds about the caller and the route; set on the raw request by `instrumentRequestLog`. */
type LoggedRequest = IncomingMessage & {
  muwafaqa?: { route?: string; clientId?: string; userId?: string };
};

/**
 * The pino-http middleware sees Node's raw request, while the route and the authenticated caller
 * live on Fastify's request: copy them over before the answer is written, so the one line per
 * request can name them.
 */
export function instrumentRequestLog(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, _reply, payload, done) => {
    const caller = (req as { user?: { kind?: string; subject?: string } }).user;
    (req.raw as LoggedRequest).muwafaqa = {
      route: req.routeOptions?.url,
      clientId: caller && caller.kind !== 'user' ? caller.subject : undefined,
      userId: caller?.kind === 'user' ? caller.subject : undefined,
    };
    done(null, payload);
  });
}

/**
 * JSON logs with pino: one line per request (id, method, path, route template, status, latency,
 * client), no headers, no bodies, so no secret, token, signature or identifier can leak into them.
 */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // Fastify already assigned the id (see app.factory.ts); reuse it.
      genReqId: (req) => (req as { id?: string }).id ?? requestIdOf(req),
      customProps: (req) => {
        const extra = (req as LoggedRequest).muwafaqa;
        // Called at the start (nothing known yet) and at the end of the request; req.id is already in the line.
        return { route: extra?.route, clientId: extra?.clientId, userId: extra?.userId };
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: String(req.url).split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error & { code?: string }) => ({ type: err?.name, message: err?.message, code: err?.code, stack: err?.stack }),
      },
      redact: {
        paths: [
          ...REDACTED_HEADERS.map((h) => `req.headers["${h}"]`),
          'clientSecret',
          'client_secret',
          'signingSecret',
          'callbackApiKey',
          'password',
          'access_token',
          'id_token',
        ],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
    },
  };
}
