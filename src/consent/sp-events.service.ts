import { Injectable } from '@nestjs/common';
import type { SpProfile } from '../service-providers/sp-directory.service';
import { SpDirectory } from '../service-providers/sp-directory.service';
import { SpEventsPageDto, SpEventsQueryDto } from './dto/sp-events.dto';
import { assertCallerIsSp } from './caller-sp';
import { SpEventsRepository } from './sp-events.repository';

/**
 * The SP's events feed: every status it hears about by callback (ACCEPTED, REJECTED, EXPIRED,
 * INIT_FAILED, REVOKED), in event id (time) order after a cursor, with the callback's delivery
 * state. An SP that was down reconciles from its last eventId instead of polling every
 * transaction.
 */
@Injectable()
export class SpEventsService {
  constructor(
    private readonly events: SpEventsRepository,
    private readonly sps: SpDirectory,
  ) {}

  async list(caller: SpProfile, q: SpEventsQueryDto): Promise<SpEventsPageDto> {
    await assertCallerIsSp(this.sps, caller, q.spId);
    const limit = q.limit ?? 100;
    const events = await this.events.listAfter(caller.clientId, q.after ?? null, limit);
    return { events, next: events.at(-1)?.eventId ?? q.after ?? null, hasMore: events.length === limit };
  }
}
