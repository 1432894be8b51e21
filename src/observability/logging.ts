import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { RequestMethod } from '@nestjs/common';
import { Params, PinoLogger } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config/config';

/** Header names whose values never reach a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-up-accesstoken', 'x-uaepass-signature', 'x-api-key', 'cookie', 'set-cookie'];

/** A caller-supplied request id is kept only if it looks like one (no log injection). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
}

/** Requests too frequent and too dull to log (probes and scrapes). */
const UNLOGGED = new Set(['/health/live', '/metrics']);

/**
 * One JSON line per request (id, method, path, route template, status, latency, caller), written
 * from Fastify's onResponse hook with the root pino logger. pino-http would do the same through a
 * middleware that builds a child logger and an AsyncLocalStorage scope for every request, about a
 * tenth of a cheap request's CPU; this needs neither. No headers and no bodies are logged, so no
 * secret, token, signature or identifier can reach a log line.
 */
export function instrumentRequestLog(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    const logger = PinoLogger.root;
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    if (logger?.isLevelEnabled(level) && !UNLOGGED.has(req.url)) {
      const caller = (req as { user?: { kind?: string; subject?: string } }).user;
      logger[level](
        {
          // Flat fields: the logger's req/res serializers expect Node's raw objects.
          requestId: req.id,
          method: req.method,
          path: req.url.split('?')[0],
          route: req.routeOptions?.url,
          clientId: caller && caller.kind !== 'user' ? caller.subject : undefined,
          userId: caller?.kind === 'user' ? caller.subject : undefined,
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime),
        },
        reply.statusCode >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}

/** Nest's start-up chatter (one line per module, controller and route): noise for a person at a terminal. */
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Log lines for a person at a terminal: one short coloured line per entry (pino-pretty, written
 * synchronously so nothing is lost when the process exits), without Nest's start-up chatter.
 */
export function humanLogStream(destination: NodeJS.WritableStream = process.stdout, colorize = true): DestinationStream {
  return pretty({
    destination,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
}

const skipBootChatter: NonNullable<LoggerOptions['hooks']>['logMethod'] = function (args, method, level) {
  const first = args[0] as { context?: string } | undefined;
  if (level <= 30 && typeof first === 'object' && first !== null && BOOT_CONTEXTS.has(first.context ?? '')) return;
  method.apply(this, args);
};

/**
 * Logs with pino: JSON lines for machines (one per request: id, method, path, route template,
 * status, latency, client; no headers, no bodies, so no secret, token, signature or identifier
 * can leak into them), or human lines when `human` (stdout is a terminal).
 */
export function loggerOptions(config: AppConfig, human = Boolean(process.stdout.isTTY)): Params {
  const options: LoggerOptions = {
    level: config.logLevel,
    serializers: {
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
    ...(human ? { hooks: { logMethod: skipBootChatter } } : {}),
  };
  return {
    pinoHttp: human ? [options, humanLogStream()] : options,
    // nestjs-pino builds the logger (PinoLogger.root) from these options; its per-request
    // middleware is bound to a path no request takes, since instrumentRequestLog logs requests.
    forRoutes: [{ path: '/__muwafaqa_no_request_middleware__', method: RequestMethod.ALL }],
  };
}
