import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { SecurityModule } from '../security/security.module';
import { AccessAuditInterceptor } from './access-audit';
import { AccessLogService } from './access-log.service';
import { KeyRotationService } from './key-rotation.service';
import { PrivacyAdminController } from './privacy-admin.controller';
import { RetentionProcessor } from './retention.processor';
import { RETENTION_QUEUE, RetentionService } from './retention.service';
import { UserRightsController } from './user-rights.controller';
import { UserRightsService } from './user-rights.service';

/**
 * Privacy (docs/privacy.md): data key rotation, retention, the access audit and the user's rights.
 * The retention consumer (and its schedule) runs only where workers run.
 */
@Module({})
export class PrivacyModule {
  static forRoot(_config: AppConfig, opts: { workers: boolean }): DynamicModule {
    const workers: Provider[] = opts.workers ? [RetentionProcessor] : [];
    return {
      module: PrivacyModule,
      global: true,
      imports: [BullModule.registerQueue({ name: RETENTION_QUEUE }), SecurityModule],
      controllers: [PrivacyAdminController, UserRightsController],
      providers: [KeyRotationService, RetentionService, AccessLogService, AccessAuditInterceptor, UserRightsService, ...workers],
      exports: [KeyRotationService, RetentionService, AccessAuditInterceptor],
    };
  }
}
