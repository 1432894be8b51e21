import { Module } from '@nestjs/common';
import { UserDirectory } from './user-directory.service';
import { UserRepository } from './user.repository';

/** The directory of users and their documents (found by identifier hash). */
@Module({ providers: [UserRepository, UserDirectory], exports: [UserRepository, UserDirectory] })
export class UsersModule {}
