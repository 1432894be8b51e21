import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OutboxRoutes } from '../outbox/outbox-routes';
import type { OutboxJobData } from '../outbox/outbox-jobs';
import { PUSH_QUEUE } from './queues';

/** The outbox's `push` rows go to the push-notifications queue (consumed by PushProcessor). */
@Injectable()
export class PushOutboxRoute implements OnModuleInit {
  constructor(
    private readonly routes: OutboxRoutes,
    @InjectQueue(PUSH_QUEUE) private readonly queue: Queue<OutboxJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.routes.register({ topic: 'push', queue: this.queue, jobName: 'push', attempts: this.config.pushAttempts });
  }
}
