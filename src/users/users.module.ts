import { Module } from '@nestjs/common';
import { UserDirectory } from './user-directory.service';

/** The directory of users and their documents (found by identifier hash). */
@Module({ providers: [UserDirectory], exports: [UserDirectory] })
export class UsersModule {}
