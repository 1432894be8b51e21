import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { PrivacyAudit1764100000000 } from './1764100000000-PrivacyAudit';
import { PartitionConsentTables1764300000000 } from './1764300000000-PartitionConsentTables';
import { ReplayFallback1764400000000 } from './1764400000000-ReplayFallback';
import { DeliveryEvents1764500000000 } from './1764500000000-DeliveryEvents';
import { OpsRollups1764700000000 } from './1764700000000-OpsRollups';
import { ConsentTermsAndStandingConsents1764800000000 } from './1764800000000-ConsentTermsAndStandingConsents';
import { UuidV7InPlpgsql1764900000000 } from './1764900000000-UuidV7InPlpgsql';

/** Every migration, in order. A new migration file is added here too. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  PrivacyAudit1764100000000,
  PartitionConsentTables1764300000000,
  ReplayFallback1764400000000,
  DeliveryEvents1764500000000,
  OpsRollups1764700000000,
  ConsentTermsAndStandingConsents1764800000000,
  UuidV7InPlpgsql1764900000000,
];
