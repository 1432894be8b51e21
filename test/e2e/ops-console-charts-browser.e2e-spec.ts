import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../support/browser';
import { eventually } from '../support/clients';
import { OPS_ACCOUNTS } from '../support/fake-oidc';
import { OpsConsoleSetup, startOpsConsole } from '../support/ops-console';
import { OpsFlow, runOpsFlow } from '../support/ops-flow';

describe('ops console charts in a browser (Chromium), from a real flow', () => {
  let setup: OpsConsoleSetup;
  let flow: OpsFlow;
  let context: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    // The rollup job runs every 200 ms with no settle time, so the flow shows at once.
    setup = await startOpsConsole({ OPS_ROLLUP_INTERVAL_MS: '200', OPS_ROLLUP_SETTLE_SECONDS: '0' });
    flow = await runOpsFlow(setup.gw);
    await eventually(
      async () => {
        const { rows } = await setup.gw.db.query(
          `SELECT sum(triggered)::int AS sends, sum(init_failed)::int AS init_failed, sum(callbacks_delivered)::int AS delivered
             FROM ops_rollup_5m WHERE sp_id = ''`,
        );
        return rows[0].sends === 4 && rows[0].init_failed === 1 && rows[0].delivered >= 3;
      },
      10_000,
      'the flow folded into the rollups',
    );
    chromium = await launchChromium('ops-charts');
    context = chromium.context;
  });

  afterAll(async () => {
    await chromium?.close();
    await flow?.stop();
    await setup?.close();
  });

  async function signInAs(login: keyof typeof OPS_ACCOUNTS): Promise<Page> {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${setup.gw.url}/ops`);
    await page.waitForURL((u) => u.origin === setup.idp.issuer);
    await page.fill('#login', login);
    await page.fill('#password', OPS_ACCOUNTS[login].password);
    await page.click('#signin');
    await page.waitForURL(`${setup.gw.url}/ops`);
    return page;
  }

  const nonzero = async (page: Page, chart: string, series: string) =>
    Number(await page.getAttribute(`#${chart} g.series[data-series="${series}"]`, 'data-nonzero'));

  /** Horizontal centre of the chart's latest mark, as a fraction of the chart's width (0 = left edge). */
  async function latestMarkPosition(page: Page, chart: string): Promise<number> {
    const svg = (await page.locator(`#${chart} svg.plot`).boundingBox())!;
    const marks = page.locator(`#${chart} svg [data-bucket]`);
    const buckets = await marks.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-bucket'))));
    const latest = marks.nth(buckets.indexOf(Math.max(...buckets)));
    const box = (await latest.boundingBox())!;
    return (box.x + box.width / 2 - svg.x) / svg.width;
  }

  async function expectChartsWithData(page: Page): Promise<void> {
    for (const chart of ['chart-sends', 'chart-push-latency', 'chart-callbacks', 'chart-outbox-age']) {
      expect(await page.locator(`#${chart} svg.plot`).isVisible()).toBe(true);
    }
    expect(await nonzero(page, 'chart-sends', 'triggered')).toBeGreaterThan(0);
    for (const outcome of ['accepted', 'rejected', 'cancelled', 'init-failed']) expect(await nonzero(page, 'chart-sends', outcome)).toBeGreaterThan(0);
    expect(await page.locator('#chart-sends rect[data-bucket]').count()).toBeGreaterThan(0);
    expect(await nonzero(page, 'chart-push-latency', 'p50')).toBeGreaterThan(0);
    expect(await nonzero(page, 'chart-push-latency', 'p99')).toBeGreaterThan(0);
    expect(await page.locator('#chart-push-latency circle[data-bucket]').count()).toBeGreaterThan(0);
    expect(await nonzero(page, 'chart-callbacks', 'delivered')).toBeGreaterThan(0);
    expect(await nonzero(page, 'chart-callbacks', 'failed')).toBeGreaterThan(0);
    // The outbox is relayed within milliseconds: its line is drawn over the whole day, mostly at 0.
    expect((await page.getAttribute('#chart-outbox-age path', 'd'))!.split('L').length).toBe(288);
  }

  it('draws the overview charts from the flow, in English, time running left to right', async () => {
    const page = await signInAs('viewer');
    await expectChartsWithData(page);
    expect(await page.textContent('#chart-sends figcaption')).toBe('Sends and their outcomes');
    expect(await page.textContent('#chart-sends li[data-series="triggered"]')).toContain('(24 h: 4)');
    expect(await page.textContent('#chart-sends li[data-series="accepted"]')).toContain('Accepted (24 h: 1)');
    expect(await latestMarkPosition(page, 'chart-sends')).toBeGreaterThan(0.5);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-charts-overview-en.png'), fullPage: true });
    await page.close();
  });

  it('draws them in Arabic, right to left, with the y axis on the right', async () => {
    const page = await signInAs('viewer');
    await page.click('a[href="/ops/lang/ar"]');
    await page.waitForURL(`${setup.gw.url}/ops`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await expectChartsWithData(page);
    expect(await page.textContent('#chart-sends figcaption')).toBe('الطلبات المرسلة ونتائجها');
    expect(await page.textContent('#chart-sends li[data-series="accepted"]')).toContain('مقبولة (24 ساعة: 1)');
    expect(await latestMarkPosition(page, 'chart-sends')).toBeLessThan(0.5);
    // The axis labels sit on the right-hand side of the plot.
    const svg = (await page.locator('#chart-sends svg.plot').boundingBox())!;
    const label = (await page.locator('#chart-sends svg.plot text').first().boundingBox())!;
    expect(label.x - svg.x).toBeGreaterThan(svg.width / 2);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-charts-overview-ar.png'), fullPage: true });
    await page.click('a[href="/ops/lang/en"]');
    await page.close();
  });

  it("draws the SP's own charts on its page, in both languages", async () => {
    const page = await signInAs('viewer');
    await page.goto(`${setup.gw.url}/ops/sps/${encodeURIComponent(flow.sp.clientId)}`);
    await expectChartsWithData(page);
    expect(await page.textContent('#chart-callbacks li[data-series="failed"]')).toMatch(/Failed \(24 h: [1-9]/);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-charts-sp-en.png'), fullPage: true });
    await page.click('a[href="/ops/lang/ar"]');
    await page.goto(`${setup.gw.url}/ops/sps/${encodeURIComponent(flow.sp.clientId)}`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await expectChartsWithData(page);
    expect(await latestMarkPosition(page, 'chart-callbacks')).toBeLessThan(0.5);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-charts-sp-ar.png'), fullPage: true });
    await page.click('a[href="/ops/lang/en"]');
    await page.close();
  });

  it('serves the charts under the unchanged CSP: no script on the page', async () => {
    const res = await fetch(`${setup.gw.url}/ops/signed-out`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await signInAs('viewer');
    expect(await page.locator('script').count()).toBe(0);
    await page.close();
  });
});
