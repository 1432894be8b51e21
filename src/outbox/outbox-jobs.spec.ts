import { eventIdOfJob, outboxJobId } from './outbox-jobs';

describe('outbox job ids', () => {
  const eventId = '0197a3c1-0a4b-7e12-8f3d-6b2a9c0e1d55';

  it('derives the job id from the topic and the event id, and reads it back', () => {
    expect(outboxJobId('callback', eventId)).toBe(`callback-${eventId}`);
    expect(eventIdOfJob({ id: outboxJobId('callback', eventId) }, 'callback')).toBe(eventId);
    expect(eventIdOfJob({ id: outboxJobId('push', eventId) }, 'push')).toBe(eventId);
  });

  it('names no event for an id the relay would never make', () => {
    for (const id of [`push-${eventId}`, 'outbox-42', '17', `callback-${eventId}x`, `callback-${eventId.toUpperCase()}`, undefined]) {
      expect(eventIdOfJob({ id }, 'callback')).toBeNull();
    }
  });
});
