import { CONSENT_STATUSES } from '../consent/consent-state-machine';
import type { ServiceProviderViewDto, StatusCountsDto, TransactionPageDto } from '../admin/ops-dto';
import type { ErrorBody } from '../common/errors/error-catalog';
import { Lang, STATUS_TEXT, TEXT } from './ops-i18n';
import type { FailedJobView } from './ops-jobs.service';
import type { OpsSeries } from '../observability/ops-rollup.service';
import { opsCharts } from './ops-charts';
import type { CallbackHealth, Overview } from './ops-overview.service';
import { roleAllows } from './ops-roles';
import type { OpsSession } from './ops-session.store';

/** Server-rendered pages: plain HTML and a little CSS, no scripts (the CSP allows none inline). */

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageContext {
  lang: Lang;
  session: OpsSession | null;
}

const CSS = `body{font-family:system-ui,"Segoe UI",Tahoma,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#0b3d2e;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}header form{display:inline;margin:0}nav{display:flex;gap:1rem;flex-wrap:wrap;flex:1}
main{padding:1rem;max-width:72rem}table{border-collapse:collapse;background:#fff;margin:.5rem 0 1.5rem;width:100%}
th,td{border:1px solid #d5dae0;padding:.3rem .5rem;text-align:start;vertical-align:top;font-size:.9rem}
th{background:#eef1f4}.bad{color:#a4161a;font-weight:600}.ok{color:#1b7a3a}.muted{color:#66707a;font-size:.85rem}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}label{display:flex;flex-direction:column;font-size:.85rem}
button,.button{background:#0b3d2e;color:#fff;border:0;padding:.4rem .8rem;border-radius:3px;cursor:pointer;text-decoration:none;display:inline-block}
button.danger{background:#a4161a}.secret{font-family:monospace;background:#fff3bf;padding:.5rem;display:inline-block;user-select:all}
code{font-size:.85rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(26rem,1fr));gap:1rem;margin-bottom:1.5rem}
figure.chart{background:#fff;border:1px solid #d5dae0;margin:0;padding:.5rem}figcaption{font-weight:600;font-size:.9rem;margin-bottom:.3rem}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;margin:.3rem 0 0;font-size:.85rem}`;

export function layout(ctx: PageContext, title: string, body: string, opts: { refreshSeconds?: number } = {}): string {
  const t = TEXT[ctx.lang];
  const s = ctx.session;
  const nav = s
    ? `<nav><a href="/ops">${t.overview}</a><a href="/ops/transactions">${t.transactions}</a><a href="/ops/sps">${t.sps}</a><a href="/ops/jobs">${t.failedJobs}</a></nav>
<span id="who">${esc(s.name)} · ${t.role}: <strong id="role">${esc(s.role)}</strong></span>
<a href="/ops/lang/${ctx.lang === 'ar' ? 'en' : 'ar'}" lang="${ctx.lang === 'ar' ? 'en' : 'ar'}">${t.otherLang}</a>
<form method="post" action="/ops/logout"><input type="hidden" name="_csrf" value="${esc(s.csrf)}"><button type="submit" id="logout">${t.signOut}</button></form>`
    : `<nav></nav><a href="/ops/lang/${ctx.lang === 'ar' ? 'en' : 'ar'}">${t.otherLang}</a>`;
  return `<!doctype html>
<html lang="${ctx.lang}" dir="${ctx.lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${esc(title)} · ${t.title}</title><style>${CSS}</style></head>
<body><header><strong>${t.title}</strong>${nav}</header><main><h1>${esc(title)}</h1>
${body}</main></body></html>`;
}

function table(headers: string[], rows: string[][], attrs = ''): string {
  return `<table ${attrs}><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function when(iso: string | null | Date | undefined): string {
  if (!iso) return '—';
  return esc(
    new Date(iso)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
  );
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function statusCounts(lang: Lang, hour: StatusCountsDto, day: StatusCountsDto): string {
  const t = TEXT[lang];
  const rows = CONSENT_STATUSES.map((s) => [esc(STATUS_TEXT[lang][s]), String(hour.counts[s]), String(day.counts[s])]);
  rows.push([`<strong>${t.total}</strong>`, String(hour.total), String(day.total)]);
  return table([t.status, t.lastHour, t.lastDay], rows, 'id="status-counts"');
}

export function overviewPage(ctx: PageContext, o: Overview, series: OpsSeries): string {
  const t = TEXT[ctx.lang];
  const cb = o.callbacksLastHour;
  return layout(
    ctx,
    t.overview,
    `<p class="muted">${t.refreshed}</p>
${opsCharts(ctx.lang, series)}
${statusCounts(ctx.lang, o.lastHour, o.lastDay)}
<h2>${t.outboxBacklog}</h2>
${table([t.push, t.callback, t.total, t.oldestPending], [[String(o.outbox.push), String(o.outbox.callback), String(o.outbox.pending), String(o.outbox.oldestSeconds)]], 'id="outbox"')}
<h2>${t.queueDepths}</h2>
${table(
  [t.queue, t.waiting, t.active, t.delayed, t.failed],
  o.queues.map((q) => [
    esc(q.queue),
    String(q.waiting),
    String(q.active),
    String(q.delayed),
    q.failed ? `<a class="bad" href="/ops/jobs">${q.failed}</a>` : '0',
  ]),
  'id="queues"',
)}
<h2>${t.callbackFailureRate}</h2>
${table([t.attempts, t.failed, t.failureRate], [[String(cb.attempts), String(cb.failed), `<span class="${cb.failed ? 'bad' : 'ok'}">${pct(cb.failureRate)}</span>`]], 'id="callback-rate"')}`,
    { refreshSeconds: 15 },
  );
}

export interface SearchFilters {
  uaePassTransactionID?: string;
  spTransactionID?: string;
  spId?: string;
  status?: string;
  from?: string;
  to?: string;
}

export function searchPage(ctx: PageContext, filters: SearchFilters, page: TransactionPageDto): string {
  const t = TEXT[ctx.lang];
  const input = (name: keyof SearchFilters, label: string, type = 'text') =>
    `<label>${label}<input type="${type}" name="${name}" id="f-${name}" value="${esc(filters[name] ?? '')}"></label>`;
  const statusSelect = `<label>${t.status}<select name="status" id="f-status"><option value="">${t.any}</option>${CONSENT_STATUSES.map(
    (s) => `<option value="${s}"${filters.status === s ? ' selected' : ''}>${esc(STATUS_TEXT[ctx.lang][s])}</option>`,
  ).join('')}</select></label>`;
  const form = `<form class="search" method="get" action="/ops/transactions">
${input('uaePassTransactionID', t.uaePassTransactionID)}${input('spTransactionID', t.spTransactionID)}${input('spId', t.sp)}${statusSelect}
${input('from', t.from)}${input('to', t.to)}<button type="submit" id="search">${t.search}</button></form>
<p class="muted">ISO 8601, e.g. 2025-11-25T08:00:00Z</p>`;
  const rows = page.items.map((x) => [
    `<a href="/ops/transactions/${esc(x.uaePassTransactionID)}"><code>${esc(x.uaePassTransactionID)}</code></a>`,
    esc(x.spTransactionID),
    `<a href="/ops/sps/${encodeURIComponent(x.spId)}">${esc(x.spId)}</a>`,
    esc(STATUS_TEXT[ctx.lang][x.status] ?? x.status),
    when(x.createdAt),
  ]);
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => typeof v === 'string' && v !== '') as [string, string][]);
  const next = page.nextCursor
    ? `<a class="button" id="next-page" href="/ops/transactions?${esc(new URLSearchParams([...params, ['cursor', page.nextCursor]]).toString())}">${t.nextPage}</a>`
    : '';
  const first = `<a href="/ops/transactions?${esc(params.toString())}">${t.firstPage}</a>`;
  return layout(
    ctx,
    t.transactions,
    `${form}${rows.length ? table([t.uaePassTransactionID, t.spTransactionID, t.sp, t.status, t.created], rows, 'id="results"') : `<p id="no-results">${t.noResults}</p>`}
<p>${first} ${next}</p>`,
  );
}

interface TransactionDetail {
  uaePassTransactionID: string;
  spId: string;
  spTransactionID: string;
  status: string;
  requestType: string;
  idDocType: string;
  purpose: string | null;
  purposeAr: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  user: { id: string; identifier: string | null };
  documents: { position: number; name: string; nameAr: string; type: string; accepted: boolean | null }[];
  events: { id: string; from: string | null; to: string; actor: string; at: Date; detail: unknown }[];
  notificationAttempts: { id: string; platform: string; attempt: number; outcome: string; statusCode: number | null; detail: string | null; at: Date }[];
  callbackAttempts: {
    id: string;
    status: string;
    attempt: number;
    url: string;
    statusCode: number | null;
    error: string | null;
    latencyMs: number | null;
    delivered: boolean;
    at: Date;
  }[];
}

export function transactionPage(ctx: PageContext, tx: TransactionDetail): string {
  const t = TEXT[ctx.lang];
  const st = (s: string | null) => (s ? esc(STATUS_TEXT[ctx.lang][s] ?? s) : '—');
  const summary = table(
    [t.uaePassTransactionID, t.spTransactionID, t.sp, t.status, t.identifier, t.created, t.expires, t.decided],
    [
      [
        `<code>${esc(tx.uaePassTransactionID)}</code>`,
        esc(tx.spTransactionID),
        `<a href="/ops/sps/${encodeURIComponent(tx.spId)}">${esc(tx.spId)}</a>`,
        `<strong id="tx-status">${st(tx.status)}</strong>`,
        `<code id="masked-identifier">${esc(tx.user.identifier ?? '—')}</code> <span class="muted">${esc(tx.idDocType)}</span>`,
        when(tx.createdAt),
        when(tx.expiresAt),
        when(tx.decidedAt),
      ],
    ],
    'id="summary"',
  );
  const purpose = ctx.lang === 'ar' ? (tx.purposeAr ?? tx.purpose) : (tx.purpose ?? tx.purposeAr);
  const docs = table(
    ['#', t.name, t.kind, t.status],
    tx.documents.map((d) => [
      String(d.position),
      esc(ctx.lang === 'ar' ? d.nameAr : d.name),
      esc(d.type),
      d.accepted === null ? '—' : d.accepted ? t.yes : t.no,
    ]),
  );
  type Entry = { at: Date; kind: string; cls: string; detail: string };
  const entries: Entry[] = [
    ...tx.events.map((e) => ({ at: e.at, kind: t.event, cls: 'event', detail: `${st(e.from)} → ${st(e.to)} <span class="muted">(${esc(e.actor)})</span>` })),
    ...tx.notificationAttempts.map((n) => ({
      at: n.at,
      kind: t.push,
      cls: 'push',
      detail: `${esc(n.platform)} #${n.attempt}: ${esc(n.outcome)}${n.statusCode ? ` · HTTP ${n.statusCode}` : ''}${n.detail ? ` <span class="muted">${esc(n.detail)}</span>` : ''}`,
    })),
    ...tx.callbackAttempts.map((c) => ({
      at: c.at,
      kind: t.callback,
      cls: 'callback',
      detail: `${st(c.status)} #${c.attempt}: <span class="${c.delivered ? 'ok' : 'bad'}">${c.statusCode ? `HTTP ${c.statusCode}` : esc(c.error ?? '—')}</span>`,
    })),
  ].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  const timeline = `<table id="timeline"><thead><tr><th>${t.time}</th><th>${t.kind}</th><th>${t.detail}</th></tr></thead><tbody>${entries
    .map((e) => `<tr class="${e.cls}"><td>${when(e.at)}</td><td>${e.kind}</td><td>${e.detail}</td></tr>`)
    .join('')}</tbody></table>`;
  const callbacks = table(
    [t.time, t.status, '#', t.statusCode, t.delivered, t.latency, t.error],
    tx.callbackAttempts.map((c) => [
      when(c.at),
      st(c.status),
      String(c.attempt),
      `<span class="status-code">${c.statusCode ?? '—'}</span>`,
      c.delivered ? `<span class="ok">${t.yes}</span>` : `<span class="bad">${t.no}</span>`,
      String(c.latencyMs ?? '—'),
      esc(c.error ?? ''),
    ]),
    'id="callback-attempts"',
  );
  return layout(
    ctx,
    `${t.transaction} ${tx.spTransactionID}`,
    `${summary}<p>${t.purpose}: ${esc(purpose ?? '—')}</p><h2>${t.documents}</h2>${docs}<h2>${t.timeline}</h2>${timeline}<h2>${t.callbackAttempts}</h2>${callbacks}`,
  );
}

export function spListPage(ctx: PageContext, sps: ServiceProviderViewDto[], nextCursor: string | null): string {
  const t = TEXT[ctx.lang];
  const rows = sps.map((sp) => [
    `<a href="/ops/sps/${encodeURIComponent(sp.clientId)}">${esc(sp.clientId)}</a>`,
    esc(ctx.lang === 'ar' ? sp.nameAr : sp.name),
    esc(sp.callbackUrl ?? '—'),
    sp.disabled ? `<span class="bad">${t.yes}</span>` : t.no,
  ]);
  const next = nextCursor ? `<p><a class="button" href="/ops/sps?cursor=${encodeURIComponent(nextCursor)}">${t.nextPage}</a></p>` : '';
  return layout(ctx, t.sps, table([t.clientId, t.name, t.callbackUrl, t.disabled], rows, 'id="sps"') + next);
}

export function spPage(
  ctx: PageContext,
  sp: ServiceProviderViewDto,
  health: CallbackHealth,
  secrets: { id: string; createdAt: Date; revokedAt: Date | null; active: boolean }[],
  series: OpsSeries,
): string {
  const t = TEXT[ctx.lang];
  const canRotate = ctx.session && roleAllows(ctx.session.role, 'admin');
  return layout(
    ctx,
    `${ctx.lang === 'ar' ? sp.nameAr : sp.name} (${sp.clientId})`,
    `${table([t.clientId, t.callbackUrl, t.disabled], [[esc(sp.clientId), esc(sp.callbackUrl ?? '—'), sp.disabled ? t.yes : t.no]])}
<h2>${t.callbackHealth}</h2>
${table(
  [t.attempts, t.failed, t.failureRate, t.lastStatusCode, t.lastAttempt, t.error],
  [
    [
      String(health.attempts),
      String(health.failed),
      `<span class="${health.failed ? 'bad' : 'ok'}">${pct(health.failureRate)}</span>`,
      String(health.lastStatusCode ?? '—'),
      when(health.lastAt),
      esc(health.lastError ?? ''),
    ],
  ],
  'id="callback-health"',
)}
${opsCharts(ctx.lang, series)}
<h2>${t.signingSecrets}</h2>
${table(
  ['id', t.created, t.status],
  secrets.map((s) => [`<code>${esc(s.id)}</code>`, when(s.createdAt), s.active ? t.active2 : `${t.revoked} ${when(s.revokedAt)}`]),
  'id="secrets"',
)}
${canRotate ? `<p><a class="button" id="rotate" href="/ops/sps/${encodeURIComponent(sp.clientId)}/rotate">${t.rotateSecret}</a></p>` : ''}
<p><a href="/ops/transactions?spId=${encodeURIComponent(sp.clientId)}">${t.transactions}</a></p>`,
  );
}

export function rotateConfirmPage(ctx: PageContext, sp: ServiceProviderViewDto): string {
  const t = TEXT[ctx.lang];
  const path = `/ops/sps/${encodeURIComponent(sp.clientId)}`;
  return layout(
    ctx,
    `${t.rotateSecret}: ${sp.clientId}`,
    `<p>${t.rotateConfirm}</p>
<form method="post" action="${path}/rotate"><input type="hidden" name="_csrf" value="${esc(ctx.session!.csrf)}">
<button type="submit" class="danger" id="rotate-confirm">${t.rotateYes}</button> <a href="${path}">${t.cancel}</a></form>`,
  );
}

export function rotatedPage(ctx: PageContext, clientId: string, secret: { id: string; signingSecret: string }): string {
  const t = TEXT[ctx.lang];
  return layout(
    ctx,
    `${t.rotateSecret}: ${clientId}`,
    `<p>${t.newSecret}</p><p><span class="secret" id="new-secret">${esc(secret.signingSecret)}</span></p><p class="muted">id <code>${esc(secret.id)}</code></p>
<p><a href="/ops/sps/${encodeURIComponent(clientId)}">${t.sps}</a></p>`,
  );
}

export function jobsPage(ctx: PageContext, jobs: FailedJobView[], notice?: string): string {
  const t = TEXT[ctx.lang];
  const canRetry = ctx.session && roleAllows(ctx.session.role, 'operator');
  const rows = jobs.map((j) => [
    esc(j.queue),
    `<code>${esc(j.id)}</code>`,
    j.transactionId ? `<a href="/ops/transactions/${esc(j.transactionId)}"><code>${esc(j.transactionId)}</code></a>` : '—',
    String(j.attemptsMade),
    esc(j.failedReason),
    when(j.finishedOn),
    canRetry
      ? `<form method="post" action="/ops/jobs/${encodeURIComponent(j.queue)}/${encodeURIComponent(j.id)}/retry"><input type="hidden" name="_csrf" value="${esc(ctx.session!.csrf)}"><button type="submit" class="retry">${t.retry}</button></form>`
      : '',
  ]);
  return layout(
    ctx,
    t.failedJobs,
    `${notice ? `<p class="ok" id="notice">${esc(notice)}</p>` : ''}${rows.length ? table([t.queue, t.job, t.transaction, t.attempts, t.reason, t.finished, ''], rows, 'id="failed-jobs"') : `<p id="no-failed-jobs">${t.noFailedJobs}</p>`}`,
  );
}

export function errorPage(ctx: PageContext, status: number, body: ErrorBody): string {
  const t = TEXT[ctx.lang];
  const signIn =
    status === 401 || body.code === 'OPS_1000004' ? `<p><a class="button" href="/ops/login">${t.signIn}</a></p>` : `<p><a href="/ops">${t.back}</a></p>`;
  // Both languages, as every catalog answer: the operator's first, the other beneath.
  const [first, second] = ctx.lang === 'ar' ? [body.desc.ar, body.desc.en] : [body.desc.en, body.desc.ar];
  return layout(
    ctx,
    t.errorTitle,
    `<p id="error-code"><code>${esc(body.code)}</code> · HTTP ${status}</p><p id="error-message">${esc(first)}</p><p lang="${ctx.lang === 'ar' ? 'en' : 'ar'}" dir="${ctx.lang === 'ar' ? 'ltr' : 'rtl'}">${esc(second)}</p>${signIn}`,
  );
}

export function signedOutPage(ctx: PageContext): string {
  const t = TEXT[ctx.lang];
  return layout(ctx, t.signedOut, `<p id="signed-out">${t.signedOut}</p><p><a class="button" id="sign-in" href="/ops/login">${t.signIn}</a></p>`);
}
