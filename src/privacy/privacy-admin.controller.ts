import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../security/authenticated.decorator';
import { AccessLogService } from './access-log.service';
import { KeyRotationService } from './key-rotation.service';
import { AccessLogQuery, RetentionPreviewQuery } from './privacy.dto';
import { RetentionService } from './retention.service';
import { AccessLogPageDto, RetentionPreviewDto, RotationReportDto } from './privacy-responses.dto';

@ApiTags('Admin: privacy')
@Controller('admin/v1/privacy')
@Authenticated('admin')
export class PrivacyAdminController {
  constructor(
    private readonly rotation: KeyRotationService,
    private readonly retention: RetentionService,
    private readonly accessLog: AccessLogService,
  ) {}

  @Post('rotate-data-key')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start re-encrypting every value not under the active data key; answers where it stands' })
  @ApiAcceptedResponse({ type: RotationReportDto })
  rotate() {
    return this.rotation.start();
  }

  @Get('data-keys')
  @ApiOperation({ summary: 'Encrypted values per column and key id; `remaining` 0 means older keys can leave DATA_KEYS' })
  @ApiOkResponse({ type: RotationReportDto })
  dataKeys() {
    return this.rotation.report();
  }

  @Get('retention/preview')
  @ApiOperation({ summary: 'What the retention policy anonymises at its next run' })
  @ApiOkResponse({ type: RetentionPreviewDto })
  retentionPreview(@Query() q: RetentionPreviewQuery) {
    return this.retention.preview(q.limit);
  }

  @Get('access-log')
  @ApiOperation({ summary: "Operators' reads of transactions and user profiles (append-only)" })
  @ApiOkResponse({ type: AccessLogPageDto })
  accessLogList(@Query() q: AccessLogQuery) {
    return this.accessLog.list(q);
  }
}
