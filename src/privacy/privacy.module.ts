import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { workerOnly } from '../common/worker-only';
import { SecurityModule } from '../security/security.module';
import { AccessAuditInterceptor } from './access-audit';
import { AccessLogRepository } from './access-log.repository';
import { AccessLogService } from './access-log.service';
import { KeyRotationRepository } from './key-rotation.repository';
import { KeyRotationService } from './key-rotation.service';
import { PrivacyAdminController } from './privacy-admin.controller';
import { RetentionProcessor } from './retention.processor';
import { RetentionRepository } from './retention.repository';
import { RETENTION_QUEUE, RetentionService } from './retention.service';
import { UserRightsController } from './user-rights.controller';
import { UserDataRepository } from './user-data.repository';
import { UserRightsService } from './user-rights.service';

/**
 * Privacy (docs/privacy.md): data key rotation, retention, the access audit and the user's rights.
 * The retention consumer (and its schedule) runs only where workers run (see workerOnly).
 */
// Still global, the one exception: without it, a process that closed a gateway with in-process
// workers spins (CPU, no I/O) once Redis dies under the next one; seen in jest with
// security-metrics then observability-health. Hook order on close is the suspect (a global
// module closes last); to be found before this goes.
@Global()
@Module({
  imports: [BullModule.registerQueue({ name: RETENTION_QUEUE }), SecurityModule],
  controllers: [PrivacyAdminController, UserRightsController],
  providers: [
    KeyRotationService,
    KeyRotationRepository,
    RetentionService,
    RetentionRepository,
    AccessLogService,
    AccessLogRepository,
    AccessAuditInterceptor,
    UserRightsService,
    UserDataRepository,
    workerOnly(RetentionProcessor),
  ],
  // AccessLogRepository: @AuditedRead instantiates the interceptor in the module of each audited controller.
  exports: [KeyRotationService, RetentionService, AccessAuditInterceptor, AccessLogRepository],
})
export class PrivacyModule {}
