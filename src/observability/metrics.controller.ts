import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint (text exposition format). Keep it on the internal network. */
@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: HTTP, consent statuses, outbox backlog, queues, job durations, push and callback outcomes' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @Header('cache-control', 'no-store')
  async scrape(@Res() reply: FastifyReply) {
    void reply.type(this.metrics.contentType).send(await this.metrics.metrics());
  }
}
