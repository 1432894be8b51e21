import fastifyStatic from '@fastify/static';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** public/app from the sources (src/app-api) or from the build (dist/src/app-api). */
function publicAppDir(): string | null {
  const candidates = [join(__dirname, '..', '..', 'public', 'app'), join(__dirname, '..', '..', '..', 'public', 'app')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * Serves the reference web app at /app/ (static files; the helmet CSP allows only this origin's
 * scripts, so the page has no inline JavaScript). `wildcard: false` makes one route per file,
 * so /app/v1/* stays with the API and an unknown path still answers the catalog's 404.
 */
@Injectable()
export class ReferenceAppServer implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleInit(): Promise<void> {
    const root = publicAppDir();
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!root || !fastify || typeof fastify.register !== 'function') return;
    await fastify.register(fastifyStatic, { root, prefix: '/app/', wildcard: false, decorateReply: false, index: ['index.html'], cacheControl: false });
  }
}
