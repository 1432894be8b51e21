import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS } from '../common/core.module';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is up: the cheapest route there is (the benchmark's framework ceiling). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: Postgres and Redis answer. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('redis');
        try {
          await Promise.race([this.redis.ping(), new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 2000))]);
          return indicator.up();
        } catch {
          return indicator.down({ message: 'Redis is unreachable' });
        }
      },
    ]);
  }
}
