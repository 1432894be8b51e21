/**
 * The outbox's topics and the BullMQ queue each is relayed to: the contract between the writers
 * (consent) and the consumers. The consuming module (notifications for `push`, callbacks for
 * `callback`) registers the queue and routes its topic with OutboxRoutes; the relay checks at
 * start-up that every topic has exactly one route.
 */
export const OUTBOX_QUEUES = { push: 'push-notifications', callback: 'sp-callbacks' } as const;

export type OutboxTopic = keyof typeof OUTBOX_QUEUES;

export const OUTBOX_TOPICS = Object.keys(OUTBOX_QUEUES) as OutboxTopic[];
