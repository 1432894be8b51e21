import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { DecisionService } from '../consent/decision.service';
import { ReceiptController } from '../consent/receipt.controller';
import { NotificationsModule } from '../notifications/notifications.module';
import { SecurityModule } from '../security/security.module';
import { ServiceProvidersModule } from '../service-providers/service-providers.module';
import { AppConsentsController, AppDevicesController, AppStandingConsentsController } from './app-consents.controller';
import { AppConsentsRepository } from './app-consents.repository';
import { AppConsentsService } from './app-consents.service';
import { DecisionMediaTypeGuard } from './decision-media-type.guard';
import { ReferenceAppServer } from './reference-app';

/** The user's side: /app/v1 routes, decisions and receipts, the SP's receipt route, and the web app at /app/. */
@Module({
  imports: [ConsentModule, NotificationsModule, SecurityModule, ServiceProvidersModule],
  controllers: [AppConsentsController, AppDevicesController, AppStandingConsentsController, ReceiptController],
  // ReceiptService comes from ConsentModule: a reuse of a standing consent issues receipts too.
  providers: [AppConsentsRepository, AppConsentsService, DecisionService, DecisionMediaTypeGuard, ReferenceAppServer],
  exports: [DecisionService],
})
export class AppApiModule {}
