import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MetricsService } from '../../src/observability/metrics.service';
import { createUser, eventually, expectCatalogError, http, onboardSp, sendBody, SpClient } from '../support/clients';
import { Gateway, startGateway } from '../support/gateway';

const TOKEN = 'metrics-scrape-token-0123456789';

/** The value of one sample in Prometheus text format (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

function scrape(url: string, token?: string) {
  return http(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Metrics queries of the gateway waiting on a lock (the attack kept one per scrape, each holding a pool connection). */
async function waitingCounts(gw: Gateway): Promise<number> {
  const { rows } = await gw.db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%count(*)%'`,
  );
  return rows[0].n;
}

describe('GET /metrics behind METRICS_TOKEN', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ METRICS_TOKEN: TOKEN, METRICS_REFRESH_INTERVAL_MS: '3600000', WORKERS_IN_PROCESS: 'false' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers SEC_1000050 (401) without the token or with another one, and serves it with the token', async () => {
    for (const auth of [undefined, 'wrong-token-wrong-token', `${TOKEN}x`]) {
      const res = await scrape(gw.url, auth);
      expectCatalogError(res, 401, 'SEC_1000050');
      expect(res.body.desc).toEqual({ en: 'Metrics require the bearer token configured for scraping.', ar: 'تتطلب المقاييس رمز الوصول المهيأ لجمعها.' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.text).not.toContain('http_requests_total');
    }
    const ok = await scrape(gw.url, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE muwafaqa_consent_transactions gauge');
    expect(ok.text).toContain('# TYPE muwafaqa_identifier_probe_answers_total counter');
  });

  it('scrapes never query the database: 30 parallel scrapes while the tables are locked leave no query waiting', async () => {
    await eventually(async () => /muwafaqa_metrics_collector_up\{collector="consent_transactions"\} 1/.test((await scrape(gw.url, TOKEN)).text));
    const locker = new Client({ connectionString: gw.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE consent_transactions, notification_attempts, callback_attempts IN ACCESS EXCLUSIVE MODE');
      const scrapes = await Promise.all(Array.from({ length: 30 }, () => scrape(gw.url, TOKEN)));
      expect(scrapes.map((r) => r.status)).toEqual(Array(30).fill(200));
      expect(await waitingCounts(gw)).toBe(0);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });
});

describe('database gauges under a statement_timeout, refreshed once per interval', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ METRICS_REFRESH_INTERVAL_MS: '300' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('gives up a refresh blocked by a lock (collector_up 0) instead of holding a pool connection, then recovers', async () => {
    const locker = new Client({ connectionString: gw.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE consent_transactions IN ACCESS EXCLUSIVE MODE');
      // statement_timeout is min(interval, 5 s): the blocked count is cancelled by Postgres itself.
      await eventually(async () => /muwafaqa_metrics_collector_up\{collector="consent_transactions"\} 0/.test((await scrape(gw.url)).text), 10_000);
      for (let i = 0; i < 10; i++) await scrape(gw.url);
      // At most the one refresh in hand waits, whatever the number of scrapes.
      expect(await waitingCounts(gw)).toBeLessThanOrEqual(1);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    await eventually(async () => /muwafaqa_metrics_collector_up\{collector="consent_transactions"\} 1/.test((await scrape(gw.url)).text), 10_000);
  });

  it('observes job durations in the process whose worker ran the job', async () => {
    const sp = await onboardSp(gw);
    const user = await createUser(gw);
    expect((await new SpClient(gw, sp).send(sendBody(sp, user))).status).toBe(201);
    await eventually(
      async () => sample((await scrape(gw.url)).text, 'muwafaqa_queue_job_duration_seconds_count', { queue: 'push-notifications' }) >= 1,
      10_000,
    );
  });
});

describe('METRICS_PORT and production', () => {
  it('serves /metrics only on its own listener when METRICS_PORT is set (token still required)', async () => {
    const gw = await startGateway({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN: TOKEN });
    try {
      expectCatalogError(await scrape(gw.url, TOKEN), 404, 'REQ_1000004');
      const internal = `http://127.0.0.1:${gw.app.get(MetricsService).listenerPort}`;
      expectCatalogError(await scrape(internal), 401, 'SEC_1000050');
      const ok = await scrape(internal, TOKEN);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
    } finally {
      await gw.close();
    }
  });

  it('refuses /metrics unauthenticated in production (SEC_1000051)', async () => {
    const gw = await startGateway({
      NODE_ENV: 'production',
      DATA_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      IDENTIFIER_HASH_KEY: randomBytes(32).toString('base64'),
    });
    try {
      const res = await scrape(gw.url);
      expectCatalogError(res, 403, 'SEC_1000051');
      expect(res.body.desc.ar).toBe('لا تُتاح المقاييس دون مصادقة في بيئة الإنتاج.');
      expect(res.text).not.toContain('process_cpu');
    } finally {
      await gw.close();
    }
  });
});
