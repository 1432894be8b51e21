import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { REDIS } from '../common/core.module';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CALLBACK_QUEUE } from '../callbacks/callback-queue';
import { PUSH_QUEUE } from '../notifications/queues';

function within<T>(work: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([work, new Promise<T>((_, fail) => setTimeout(() => fail(new Error('timeout')), ms).unref())]);
}

@ApiTags('Health')
@Controller('health')
export class HealthController {
  private readonly queues: Queue[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(PUSH_QUEUE) pushQueue: Queue,
    @InjectQueue(CALLBACK_QUEUE) callbackQueue: Queue,
  ) {
    this.queues = [pushQueue, callbackQueue];
  }

  /** The process is up: the cheapest route there is (the benchmark's framework ceiling). */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: Postgres and Redis answer, and no queue has a job waiting longer than READY_QUEUE_LAG_SECONDS. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer and no queue lags (503 otherwise)' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', example: 'ok' },
        info: { type: 'object', additionalProperties: true },
        error: { type: 'object', additionalProperties: true },
        details: { type: 'object', additionalProperties: true },
      },
    },
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.checkAll();
    } catch (err) {
      // Terminus throws a 503 with its report; answer it as is (the global filter would make it a coded 500).
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void reply.status(503).header('cache-control', 'no-store');
      return err.getResponse();
    }
  }

  private checkAll() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          await within(this.redis.ping());
          return indicator.up();
        } catch {
          return indicator.down({ message: 'Redis is unreachable' });
        }
      },
      () => this.queueLag(),
    ]);
  }

  /** Age of the oldest waiting job per queue: workers missing or far behind. */
  private async queueLag() {
    const indicator = this.indicators.check('queues');
    const threshold = this.config.readyQueueLagSeconds;
    const lag: Record<string, number> = {};
    try {
      for (const queue of this.queues) {
        const [oldest] = await within(queue.getJobs(['wait'], 0, 0, true));
        lag[queue.name] = oldest ? Math.max(0, Math.round((Date.now() - oldest.timestamp) / 1000)) : 0;
      }
    } catch {
      return indicator.down({ message: 'queue state is unreadable' });
    }
    const late = Object.entries(lag).filter(([, age]) => threshold > 0 && age > threshold);
    const details = { oldestWaitingSeconds: lag, thresholdSeconds: threshold };
    return late.length
      ? indicator.down({ ...details, message: `jobs waiting longer than ${threshold} s in ${late.map(([q]) => q).join(', ')}` })
      : indicator.up(details);
  }
}
