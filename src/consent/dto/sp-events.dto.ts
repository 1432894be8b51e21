import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { CONSENT_STATUSES } from '../consent-state-machine';

/** POST /api/v1/consent/events: a JSON body, so the request signature covers the cursor too. */
export class SpEventsQueryDto {
  @ApiProperty({ example: 'owner_sp_client_id' }) @IsString() @IsNotEmpty() @MaxLength(128) spId: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The last eventId already read; omit to start from the oldest event' })
  @IsOptional()
  @IsUUID()
  after?: string;
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 }) @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
}

export class SpEventDto {
  @ApiProperty({ format: 'uuid', description: 'The callback event id (X-Muwafaqa-Event-Id, webhook-id): the same on every retry' })
  eventId: string;
  @ApiProperty({ format: 'uuid' }) uaePassTransactionID: string;
  @ApiProperty() spTransactionID: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time', description: 'When the status changed' }) time: string;
  @ApiProperty({ description: "The event's place among its transaction's events (TRIGGERED is 1)" }) sequence: number;
  @ApiProperty({
    enum: ['pending', 'delivered', 'failed', 'skipped'],
    description: 'The callback: not finished yet, delivered, given up after the last attempt, or not sent (no callback URL)',
  })
  delivery: string;
}

export class SpEventsPageDto {
  @ApiProperty({ type: [SpEventDto] }) events: SpEventDto[];
  @ApiProperty({ format: 'uuid', nullable: true, description: 'Pass as `after` for the next page (the last eventId, or your `after` when none came)' })
  next: string | null;
  @ApiProperty({ description: 'True when the page is full: ask again with `after: next`' }) hasMore: boolean;
}
