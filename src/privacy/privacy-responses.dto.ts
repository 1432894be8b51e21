import { ApiProperty } from '@nestjs/swagger';

export class ColumnInventoryDto {
  @ApiProperty() table: string;
  @ApiProperty() column: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Rows per data key id' }) byKeyId: Record<string, number>;
}

export class RotationReportDto {
  @ApiProperty() activeKeyId: string;
  @ApiProperty() running: boolean;
  @ApiProperty({ description: 'Values not yet under the active key, over every encrypted column' }) remaining: number;
  @ApiProperty({ type: [ColumnInventoryDto] }) columns: ColumnInventoryDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The last run: times, re-encrypted and undecryptable counts' })
  lastRun: Record<string, unknown> | null;
}

export class RetentionPreviewDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) policy: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Transactions the next run anonymises, per status' })
  due: Record<string, number>;
  @ApiProperty() total: number;
  @ApiProperty({ type: [String] }) removes: string[];
  @ApiProperty({ type: [String] }) keeps: string[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) next: Record<string, unknown>[];
}

export class AccessLogEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) at: string;
  @ApiProperty() actor: string;
  @ApiProperty() subjectType: string;
  @ApiProperty({ type: 'string', nullable: true }) subjectId: string | null;
  @ApiProperty() action: string;
  @ApiProperty({ type: 'string', nullable: true }) reason: string | null;
  @ApiProperty({ type: 'string', nullable: true }) requestId: string | null;
}

export class AccessLogPageDto {
  @ApiProperty({ type: [AccessLogEntryDto] }) items: AccessLogEntryDto[];
  @ApiProperty({ type: 'string', nullable: true }) nextCursor: string | null;
}
