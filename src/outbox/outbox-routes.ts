import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { OUTBOX_TOPICS, OutboxTopic } from './outbox-topics';

/** Where the relay sends a topic's rows: the queue, the job name and how many attempts a job gets. */
export interface OutboxRoute {
  topic: OutboxTopic;
  queue: Queue;
  jobName: string;
  attempts: number;
}

/**
 * Topic → queue routing. The module that consumes a topic registers its route (notifications for
 * `push`, callbacks for `callback`), so the outbox knows no consumer.
 */
@Injectable()
export class OutboxRoutes {
  private readonly routes = new Map<OutboxTopic, OutboxRoute>();

  register(route: OutboxRoute): void {
    if (this.routes.has(route.topic)) throw new Error(`outbox topic ${route.topic} already has a route`);
    this.routes.set(route.topic, route);
  }

  get(topic: OutboxTopic): OutboxRoute | undefined {
    return this.routes.get(topic);
  }

  /** Every topic has exactly one route (checked when the relay starts). */
  assertComplete(): void {
    const missing = OUTBOX_TOPICS.filter((t) => !this.routes.has(t));
    if (missing.length) throw new Error(`outbox topic(s) without a route: ${missing.join(', ')}`);
  }
}
