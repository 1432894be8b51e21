import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ListServiceProvidersQuery, SearchTransactionsQuery } from '../admin/ops-dto';
import { AuditedRead } from '../privacy/access-audit';
import { CurrentOps, OpsAccess, PageLang } from './ops-access';
import { OpsConsoleService } from './ops-console.service';
import type { Lang } from './ops-i18n';
import { OpsOidcService } from './ops-oidc.service';
import { OpsPageFilter } from './ops-page.filter';
import type { OpsSession } from './ops-session.store';

/** Sign-in through the organisation's IdP, sign-out, and the language switch. */
@ApiExcludeController()
@Controller('ops')
@UseFilters(OpsPageFilter)
export class OpsAuthController {
  constructor(
    private readonly oidc: OpsOidcService,
    private readonly pages: OpsConsoleService,
  ) {}

  @Get('login')
  login(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.oidc.begin(req, reply);
  }

  @Get('callback')
  callback(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.oidc.complete(req, reply);
  }

  @Post('logout')
  @OpsAccess('viewer')
  logout(@CurrentOps() session: OpsSession, @Res() reply: FastifyReply) {
    return this.oidc.logout(session, reply);
  }

  @Get('signed-out')
  signedOut(@PageLang() lang: Lang, @Res() reply: FastifyReply) {
    return reply.type('text/html; charset=utf-8').send(this.pages.signedOut(lang));
  }

  @Get('lang/:lang')
  language(@Param('lang') lang: string, @Res() reply: FastifyReply) {
    return this.pages.chooseLanguage(lang, reply);
  }
}

/** The console's pages; viewer reads, operator retries jobs, admin rotates SP secrets. */
@ApiExcludeController()
@Controller('ops')
@UseFilters(OpsPageFilter)
@OpsAccess('viewer')
export class OpsPagesController {
  constructor(private readonly pages: OpsConsoleService) {}

  @Get()
  overview(@CurrentOps() s: OpsSession, @PageLang() lang: Lang) {
    return this.pages.overview(s, lang);
  }

  @Get('transactions')
  @AuditedRead('transaction', 'uaePassTransactionID')
  search(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Query() query: SearchTransactionsQuery) {
    return this.pages.search(s, lang, query);
  }

  @Get('transactions/:id')
  @AuditedRead('transaction', 'id')
  transaction(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Param('id') id: string) {
    return this.pages.transaction(s, lang, id);
  }

  @Get('sps')
  serviceProviders(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Query() query: ListServiceProvidersQuery) {
    return this.pages.serviceProviders(s, lang, query);
  }

  @Get('sps/:clientId')
  serviceProvider(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Param('clientId') clientId: string) {
    return this.pages.serviceProvider(s, lang, clientId);
  }

  @Get('sps/:clientId/rotate')
  @OpsAccess('admin')
  confirmRotation(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Param('clientId') clientId: string) {
    return this.pages.confirmRotation(s, lang, clientId);
  }

  @Post('sps/:clientId/rotate')
  @HttpCode(200)
  @OpsAccess('admin')
  rotate(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Param('clientId') clientId: string) {
    return this.pages.rotate(s, lang, clientId);
  }

  @Get('jobs')
  failedJobs(@CurrentOps() s: OpsSession, @PageLang() lang: Lang) {
    return this.pages.failedJobs(s, lang);
  }

  @Post('jobs/:queue/:jobId/retry')
  @HttpCode(200)
  @OpsAccess('operator')
  retryJob(@CurrentOps() s: OpsSession, @PageLang() lang: Lang, @Param('queue') queue: string, @Param('jobId') jobId: string) {
    return this.pages.retryJob(s, lang, queue, jobId);
  }
}
