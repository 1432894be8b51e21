import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OnboardingService } from '../admin/onboarding.service';
import { OpsRollupService } from '../observability/ops-rollup.service';
import type { ListServiceProvidersQuery, SearchTransactionsQuery } from '../admin/ops-dto';
import { OpsServiceProvidersService } from '../admin/ops-service-providers.service';
import { OpsTransactionsService } from '../admin/ops-transactions.service';
import { Lang, TEXT } from './ops-i18n';
import { OpsJobsService } from './ops-jobs.service';
import { OpsOverviewService } from './ops-overview.service';
import { LANG_COOKIE, OpsSession, OpsSessionStore } from './ops-session.store';
import * as views from './ops-views';

/**
 * The console's pages: each gathers its data from the services that own it (the ops API's
 * transaction and SP services, onboarding for secrets, BullMQ for jobs) and renders HTML.
 */
@Injectable()
export class OpsConsoleService {
  constructor(
    private readonly overviewData: OpsOverviewService,
    private readonly transactions: OpsTransactionsService,
    private readonly sps: OpsServiceProvidersService,
    private readonly onboarding: OnboardingService,
    private readonly jobs: OpsJobsService,
    private readonly sessions: OpsSessionStore,
    private readonly rollups: OpsRollupService,
  ) {}

  async overview(session: OpsSession, lang: Lang): Promise<string> {
    const [overview, series] = await Promise.all([this.overviewData.overview(), this.rollups.lastDay()]);
    return views.overviewPage({ session, lang }, overview, series);
  }

  async search(session: OpsSession, lang: Lang, query: SearchTransactionsQuery): Promise<string> {
    const { cursor: _cursor, limit: _limit, ...filters } = query;
    return views.searchPage({ session, lang }, filters, await this.transactions.search({ limit: 25, ...query }));
  }

  async transaction(session: OpsSession, lang: Lang, id: string): Promise<string> {
    return views.transactionPage({ session, lang }, (await this.transactions.get(id)) as never);
  }

  async serviceProviders(session: OpsSession, lang: Lang, query: ListServiceProvidersQuery): Promise<string> {
    const page = await this.sps.list(query);
    return views.spListPage({ session, lang }, page.items, page.nextCursor);
  }

  async serviceProvider(session: OpsSession, lang: Lang, clientId: string): Promise<string> {
    const sp = await this.sps.get(clientId);
    const [health, secrets, series] = await Promise.all([
      this.overviewData.callbackHealth(86_400, sp.clientId),
      this.onboarding.listSigningSecrets(sp.clientId),
      this.rollups.lastDay(sp.clientId),
    ]);
    return views.spPage({ session, lang }, sp, health, secrets.items, series);
  }

  async confirmRotation(session: OpsSession, lang: Lang, clientId: string): Promise<string> {
    return views.rotateConfirmPage({ session, lang }, await this.sps.get(clientId));
  }

  /** Issues a new signing secret (the old one stays valid until revoked) and shows it once. */
  async rotate(session: OpsSession, lang: Lang, clientId: string): Promise<string> {
    const sp = await this.sps.get(clientId);
    return views.rotatedPage({ session, lang }, sp.clientId, await this.onboarding.addSigningSecret(sp.clientId));
  }

  async failedJobs(session: OpsSession, lang: Lang, notice?: string): Promise<string> {
    return views.jobsPage({ session, lang }, await this.jobs.failed(), notice);
  }

  async retryJob(session: OpsSession, lang: Lang, queue: string, jobId: string): Promise<string> {
    await this.jobs.retry(queue, jobId);
    return this.failedJobs(session, lang, TEXT[lang].retried);
  }

  /** Remembers the operator's language and goes back to the overview. */
  chooseLanguage(lang: string, reply: FastifyReply): void {
    this.sessions.setCookie(reply, LANG_COOKIE, lang === 'ar' ? 'ar' : 'en', 365 * 86400, false);
    void reply.redirect('/ops', 303);
  }

  signedOut(lang: Lang): string {
    return views.signedOutPage({ session: null, lang });
  }
}
