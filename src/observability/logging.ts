import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/config';

/** Header names whose values never reach a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-up-accesstoken', 'x-uaepass-signature', 'x-api-key', 'cookie', 'set-cookie'];

/** A caller-supplied request id is kept only if it looks like one (no log injection). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/**
 * JSON logs with pino: one line per request (id, route, status, latency, client), no headers,
 * no bodies, so no secret, token, signature or identifier can leak into them.
 */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // Fastify already assigned the id (see app.factory.ts); reuse it.
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestIdOf(req),
      customProps: (req) => ({ clientId: (req as IncomingMessage & { user?: { subject?: string } }).user?.subject }),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: String(req.url).split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      redact: { paths: REDACTED_HEADERS.map((h) => `req.headers["${h}"]`), censor: '[redacted]' },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
    },
  };
}
