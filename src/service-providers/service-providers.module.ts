import { Module } from '@nestjs/common';
import { SpDirectory } from './sp-directory.service';
import { SpRepository } from './sp.repository';

/** The directory of service providers (profiles and signing secrets, cached, invalidated over Redis). */
@Module({ providers: [SpRepository, SpDirectory], exports: [SpRepository, SpDirectory] })
export class ServiceProvidersModule {}
