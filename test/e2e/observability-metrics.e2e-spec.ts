import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ERROR_CATALOG } from '../../src/common/errors/error-catalog';
import { adminCall, createUser, eventually, http, onboardSp, sendBody, SpClient } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

/** The value of one sample in Prometheus text format (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) return Number(value);
  }
  return 0;
}

/** Every route the app's controllers declare, as OpenAPI paths (`/a/{id}`), with its method. */
function declaredRoutes(gw: Gateway): { method: string; path: string; controller: string }[] {
  const routes: { method: string; path: string; controller: string }[] = [];
  for (const mod of gw.app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as { prototype: object; name: string } | null;
      if (!ctrl) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
      for (const name of Object.getOwnPropertyNames(ctrl.prototype)) {
        const handler = (ctrl.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler);
        const method = Reflect.getMetadata(METHOD_METADATA, handler);
        if (sub === undefined || method === undefined) continue;
        const path = `/${[base, String(sub)]
          .map((p) => p.replace(/^\/+|\/+$/g, ''))
          .filter(Boolean)
          .join('/')}`.replace(/:(\w+)/g, '{$1}');
        routes.push({ method: RequestMethod[method as number].toLowerCase(), path, controller: ctrl.name });
      }
    }
  }
  return routes;
}

describe('observability', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ METRICS_REFRESH_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  describe('GET /metrics', () => {
    it('exposes the HTTP, consent, outbox, queue, job and delivery metrics', async () => {
      // The database and queue gauges come from a snapshot refreshed in the background.
      const res = await eventually(async () => {
        const r = await http(`${gw.url}/metrics`);
        return /muwafaqa_metrics_collector_up\{collector="consent_transactions"\} 1/.test(r.text) && r;
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      for (const name of [
        'http_requests_total',
        'http_request_duration_seconds',
        'muwafaqa_consent_transactions',
        'muwafaqa_outbox_backlog',
        'muwafaqa_outbox_oldest_pending_seconds',
        'muwafaqa_queue_jobs',
        'muwafaqa_queue_job_duration_seconds',
        'muwafaqa_push_attempts_total',
        'muwafaqa_callback_attempts_total',
        'muwafaqa_metrics_collector_up',
        'process_cpu_user_seconds_total',
      ]) {
        expect(res.text).toContain(`# TYPE ${name} `);
      }
      expect(sample(res.text, 'muwafaqa_queue_jobs', { queue: 'push-notifications', state: 'waiting' })).toBe(0);
      expect(res.text).toMatch(/muwafaqa_metrics_collector_up\{collector="consent_transactions"\} 1/);
    });

    it('moves the request counter and the TRIGGERED gauge after a send, labelled by route template', async () => {
      const before = (await http(`${gw.url}/metrics`)).text;
      const sp = await onboardSp(gw);
      const user = await createUser(gw);
      const sent = await new SpClient(gw, sp).send(sendBody(sp, user));
      expect(sent.status).toBe(201);
      await adminCall(gw, 'GET', `/admin/v1/transactions/${sent.body.uaePassTransactionID}`);
      // The snapshot catches up within one refresh interval; the HTTP counters move at once.
      const after = await eventually(async () => {
        const text = (await http(`${gw.url}/metrics`)).text;
        return (
          sample(text, 'muwafaqa_consent_transactions', { status: 'TRIGGERED' }) + sample(text, 'muwafaqa_consent_transactions', { status: 'INIT_FAILED' }) >
            0 && text
        );
      });

      const send = { method: 'POST', route: '/api/v1/consent/transaction/send', status_code: '201' };
      expect(sample(after, 'http_requests_total', send)).toBe(sample(before, 'http_requests_total', send) + 1);
      expect(sample(after, 'http_request_duration_seconds_count', send)).toBe(sample(before, 'http_request_duration_seconds_count', send) + 1);
      const created =
        sample(after, 'muwafaqa_consent_transactions', { status: 'TRIGGERED' }) + sample(after, 'muwafaqa_consent_transactions', { status: 'INIT_FAILED' });
      expect(created).toBe(1);
      // The id is not a label: the route template is.
      expect(sample(after, 'http_requests_total', { route: '/admin/v1/transactions/:uaePassTransactionID', status_code: '200' })).toBe(1);
      expect(after).not.toContain(sent.body.uaePassTransactionID);
    });

    it('counts unmatched routes under one label', async () => {
      await http(`${gw.url}/no/such/route/${Date.now()}`);
      const text = (await http(`${gw.url}/metrics`)).text;
      expect(sample(text, 'http_requests_total', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    });
  });

  describe('GET /docs-json', () => {
    it('lists every catalog code with its status and both languages, generated from the catalog', async () => {
      const res = await http(`${gw.url}/docs-json`);
      expect(res.status).toBe(200);
      const codes = Object.keys(ERROR_CATALOG);
      expect(res.body.components.schemas.ErrorBody.properties.code.enum.sort()).toEqual([...codes].sort());
      const catalog = res.body['x-error-catalog'] as { code: string; status: number; en: string; ar: string }[];
      expect(catalog.map((e) => e.code).sort()).toEqual([...codes].sort());
      for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
        expect(catalog.find((e) => e.code === code)).toMatchObject({ status: entry.status, en: entry.en, ar: entry.ar });
        expect(res.body.components.schemas.ErrorBody.description).toContain(`\`${code}\``);
      }
      const sendOp = res.body.paths['/api/v1/consent/transaction/send'].post;
      // Errors are described once (4XX and 5XX responses in components) and referenced by every operation.
      expect(sendOp.responses['4XX']).toEqual({ $ref: '#/components/responses/ClientError' });
      expect(sendOp.responses['5XX']).toEqual({ $ref: '#/components/responses/ServerError' });
      const { ClientError, ServerError } = res.body.components.responses;
      const listed = [ClientError, ServerError].flatMap((r) => Object.keys(r.content['application/json'].examples));
      expect(listed.sort()).toEqual([...codes].sort());
      expect(sendOp.requestBody.content['application/json'].example).toMatchObject({ idDocType: 'EMIRATES_ID', spId: 'owner_sp_client_id' });
    });

    it('documents every route the controllers declare', async () => {
      const doc = (await http(`${gw.url}/docs-json`)).body;
      const excluded = new Set(['OpsAuthController', 'OpsPagesController']); // HTML pages of the operators' console, not an API
      const missing = declaredRoutes(gw)
        .filter((r) => !excluded.has(r.controller))
        .filter((r) => !doc.paths[r.path]?.[r.method])
        .map((r) => `${r.method.toUpperCase()} ${r.path} (${r.controller})`);
      expect(missing).toEqual([]);
      for (const path of ['/oauth2/token', '/admin/v1/transactions', '/admin/v1/service-providers/{clientId}', '/health/ready', '/metrics'])
        expect(doc.paths[path]).toBeDefined();
    });
  });

  describe('GET /docs', () => {
    it('serves Swagger UI with a CSP relaxed for /docs only', async () => {
      const res = await http(`${gw.url}/docs`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('swagger');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
      const api = await http(`${gw.url}/health/live`);
      expect(api.headers.get('content-security-policy')).toContain("script-src 'self';");
    });
  });

  it('names the request id in the X-Request-Id header, keeping a well-formed one from the caller', async () => {
    const res = await http(`${gw.url}/health/live`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const bad = await http(`${gw.url}/health/live`, { headers: { 'x-request-id': 'bad id; DROP' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
