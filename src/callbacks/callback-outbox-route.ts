import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OutboxRoutes } from '../outbox/outbox-routes';
import type { OutboxJobData } from '../outbox/outbox-jobs';
import { CALLBACK_QUEUE } from './callback-queue';

/** The outbox's `callback` rows go to the sp-callbacks queue (consumed by CallbackProcessor). */
@Injectable()
export class CallbackOutboxRoute implements OnModuleInit {
  constructor(
    private readonly routes: OutboxRoutes,
    @InjectQueue(CALLBACK_QUEUE) private readonly queue: Queue<OutboxJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.routes.register({ topic: 'callback', queue: this.queue, jobName: 'callback', attempts: this.config.callbackAttempts });
  }
}
