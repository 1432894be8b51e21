import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SseHub } from './sse-hub.service';

/** Live pushes for the reference web app (authenticated by the query: EventSource sends no headers). */
@ApiTags('App')
@Controller('app/v1/events')
export class SseController {
  constructor(private readonly hub: SseHub) {}

  @Get()
  @ApiOperation({ summary: 'Server-sent events for an sse device: `ready`, then `consent-request` per new request' })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'access_token', description: 'a user access token' })
  @ApiQuery({ name: 'deviceId', description: "the id of the user's registered 'sse' device" })
  @ApiOkResponse({ description: 'An event stream that stays open', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  events(@Query('access_token') token: unknown, @Query('deviceId') deviceId: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.hub.stream(token, deviceId, req, reply);
  }
}
