import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../common/errors/error-catalog';
import { TokenService } from '../security/token.service';
import { CALLBACK_QUEUE } from '../callbacks/callback-queue';
import { PUSH_QUEUE } from './queues';

export const QUEUE_BOARD_ROUTE = '/admin/queues';
const COOKIE = 'mwq_board';

/**
 * Bull Board at /admin/queues for operators: an admin access token as `Authorization: Bearer`,
 * or, for a browser, open `/admin/queues?access_token=<admin token>` once: the token moves into
 * an HttpOnly, SameSite=Strict cookie scoped to /admin/queues and the query is dropped.
 * Mounted straight on Fastify (as @bull-board/nestjs does) inside its own plugin scope, so the
 * admin check guards every board route, its API and its assets. Read-only (OPS_1000030 for
 * anything but GET and HEAD).
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    @InjectQueue(PUSH_QUEUE) private readonly pushQueue: Queue,
    @InjectQueue(CALLBACK_QUEUE) private readonly callbackQueue: Queue,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.register !== 'function') return; // the worker process has no HTTP
    const board = new FastifyAdapter();
    board.setBasePath(QUEUE_BOARD_ROUTE);
    createBullBoard({
      // Read-only: jobs come only from the outbox relay; a failed job is retried through the
      // audited ops routes (/admin/v1, ops console), never added, edited or promoted here.
      queues: [new BullMQAdapter(this.pushQueue, { readOnlyMode: true }), new BullMQAdapter(this.callbackQueue, { readOnlyMode: true })],
      // @bull-board/fastify pins an older @bull-board/api in its typings; the runtime shape is the same.
      serverAdapter: board as never,
      options: { uiConfig: { boardTitle: 'Muwafaqa queues' } },
    });
    void fastify.register(async (scope) => {
      scope.addHook('onRequest', (req, reply) => this.adminOnly(req, reply));
      // Whatever route a future board version adds, only reading gets through.
      scope.addHook('preHandler', async (req, reply) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') return void reply.code(405).type('application/json; charset=utf-8').send(renderError('OPS_1000030'));
      });
      await scope.register(board.registerPlugin() as never, { prefix: QUEUE_BOARD_ROUTE });
    });
  }

  private async adminOnly(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = new URL(req.url, 'http://board');
    const fromQuery = url.searchParams.get('access_token');
    const fromHeader = /^Bearer +(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const fromCookie = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
    const token = fromHeader ?? fromQuery ?? fromCookie;
    const principal = token && token.length <= 8192 ? await this.tokens.verifyAccessToken(token).catch(() => null) : null;
    if (!principal) {
      return void reply.code(401).header('www-authenticate', 'Bearer').type('application/json; charset=utf-8').send(renderError('SEC_1000001'));
    }
    if (principal.kind !== 'admin') return void reply.code(403).type('application/json; charset=utf-8').send(renderError('SEC_1000007'));
    if (fromQuery) {
      url.searchParams.delete('access_token');
      return void reply
        .code(303)
        .header('location', url.pathname + url.search)
        .header('set-cookie', `${COOKIE}=${fromQuery}; Path=${QUEUE_BOARD_ROUTE}; HttpOnly; SameSite=Strict; Max-Age=3600`)
        .send();
    }
  }
}
