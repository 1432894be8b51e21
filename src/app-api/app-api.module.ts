import { Module } from '@nestjs/common';
import { DecisionService } from '../consent/decision.service';
import { ReceiptController } from '../consent/receipt.controller';
import { AppConsentsController, AppDevicesController, AppStandingConsentsController } from './app-consents.controller';
import { AppConsentsService } from './app-consents.service';
import { DecisionMediaTypeGuard } from './decision-media-type.guard';
import { ReferenceAppServer } from './reference-app';

/** The user's side: /app/v1 routes, decisions and receipts, the SP's receipt route, and the web app at /app/. */
@Module({
  controllers: [AppConsentsController, AppDevicesController, AppStandingConsentsController, ReceiptController],
  providers: [AppConsentsService, DecisionService, DecisionMediaTypeGuard, ReferenceAppServer],
  exports: [DecisionService],
})
export class AppApiModule {}
