import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../support/browser';
import { createUser, decide, eventually, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { AppDevice, connectAppDevice } from '../support/app-device';
import { CallbackReceiver } from '../support/fakes/callback-receiver';
import { OPS_ACCOUNTS } from '../support/fake-oidc';
import { OpsConsoleSetup, startOpsConsole } from '../support/ops-console';

describe('ops console in a browser (Chromium), signed in through the organisation IdP', () => {
  let setup: OpsConsoleSetup;
  let flaky: CallbackReceiver;
  let down: CallbackReceiver;
  let context: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let spTransactionID: string;
  let uaePassTransactionID: string;
  let failingSpId: string;
  const devices: AppDevice[] = [];

  beforeAll(async () => {
    // One SP's receiver fails once then answers 200; the other's fails until retried by hand.
    flaky = await new CallbackReceiver().start();
    flaky.respondWith = [500];
    down = await new CallbackReceiver().start();
    down.respondWith = [503, 503];
    setup = await startOpsConsole({ CALLBACK_ATTEMPTS: '2' });
    const gw = setup.gw;

    const sp = await onboardSp(gw, { callbackUrl: flaky.url });
    // Each user has the reference app open (an SSE device), so the request reaches them.
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    devices.push(await connectAppDevice(gw, token));
    const body = sendBody(sp, user);
    spTransactionID = body.spTransactionID;
    const sent = await new SpClient(gw, sp).send(body);
    expect(sent.status).toBe(201);
    uaePassTransactionID = sent.body.uaePassTransactionID;
    expect((await decide(gw, token, uaePassTransactionID, { accept: true })).status).toBe(200);

    const failing = await onboardSp(gw, { callbackUrl: down.url });
    failingSpId = failing.clientId;
    const user2 = await createUser(gw);
    const token2 = await userToken(gw, user2.id);
    devices.push(await connectAppDevice(gw, token2));
    const sent2 = await new SpClient(gw, failing).send(sendBody(failing, user2));
    expect((await decide(gw, token2, sent2.body.uaePassTransactionID, { accept: false })).status).toBe(200);

    // Both callbacks played out: two attempts each (500 then 200; 503 twice, then failed).
    await eventually(
      async () => {
        const { rows } = await gw.db.query(`SELECT count(*)::int AS n FROM callback_attempts`);
        return rows[0].n >= 4;
      },
      15_000,
      'four callback attempts',
    );

    chromium = await launchChromium('ops-chromium');
    context = chromium.context;
  });

  afterAll(async () => {
    await chromium?.close();
    devices.forEach((d) => d.close());
    await setup?.close();
    await flaky?.stop();
    await down?.stop();
  });

  /** Opens the console with no cookies and signs in at the IdP's own login form. */
  async function signInAs(login: keyof typeof OPS_ACCOUNTS): Promise<{ page: Page }> {
    await context.clearCookies(); // no console nor IdP session left from the previous test
    const page = await context.newPage();
    await page.goto(`${setup.gw.url}/ops`);
    await page.waitForURL((u) => u.origin === setup.idp.issuer);
    await page.fill('#login', login);
    await page.fill('#password', OPS_ACCOUNTS[login].password);
    await page.click('#signin');
    await page.waitForURL(`${setup.gw.url}/ops`);
    expect(await page.textContent('#role')).toBe(login);
    return { page };
  }

  it('an operator signs in, finds the transaction, and reads its timeline with the callback attempts', async () => {
    const { page } = await signInAs('operator');
    expect(await page.textContent('#status-counts')).toContain('Accepted');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-overview.png'), fullPage: true });

    await page.click('a[href="/ops/transactions"]');
    await page.fill('#f-spTransactionID', spTransactionID);
    await page.click('#search');
    const rows = page.locator('#results tbody tr');
    expect(await rows.count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-search.png'), fullPage: true });

    await rows.first().locator('a').first().click();
    await page.waitForURL(`${setup.gw.url}/ops/transactions/${uaePassTransactionID}`);
    expect(await page.textContent('#tx-status')).toBe('Accepted');
    // Masked identifier: the Emirates ID's middle digits are hidden.
    expect(await page.textContent('#masked-identifier')).toMatch(/\*/);
    expect(await page.locator('#timeline tr.event').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#callback-attempts .status-code').allTextContents()).toEqual(['500', '200']);
    expect(await page.textContent('#timeline')).toContain('HTTP 500');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-timeline.png'), fullPage: true });

    // The read is in the access log under the operator's IdP identity.
    const { rows: audit } = await setup.gw.db.query(`SELECT actor, action FROM access_log WHERE subject_id = $1`, [uaePassTransactionID]);
    expect(audit[0]).toEqual({ actor: `admin:ops:${OPS_ACCOUNTS.operator.email}`, action: 'GET /ops/transactions/:id' });

    // Arabic, right to left.
    await page.click('a[href="/ops/lang/ar"]');
    await page.waitForURL(`${setup.gw.url}/ops`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.goto(`${setup.gw.url}/ops/transactions/${uaePassTransactionID}`);
    expect(await page.textContent('#tx-status')).toBe('مقبولة');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-timeline-ar.png'), fullPage: true });
    await page.click('a[href="/ops/lang/en"]');
    await page.close();
  });

  it('an operator retries a failed callback job from the failed-jobs list', async () => {
    const { page } = await signInAs('operator');
    await page.click('a[href="/ops/jobs"]');
    const row = page.locator('#failed-jobs tbody tr', { hasText: 'sp-callbacks' });
    await eventually(async () => (await row.count()) === 1 || (await page.reload(), false), 10_000, 'the failed callback job');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-failed-jobs.png'), fullPage: true });
    await row.locator('button.retry').click();
    expect(await page.textContent('#notice')).toContain('queued again');
    await down.waitFor((c) => c.answered === 200, 10_000);
    const { rows } = await setup.gw.db.query(
      `SELECT a.status_code FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id WHERE t.sp_id = $1 ORDER BY a.id`,
      [failingSpId],
    );
    await eventually(
      async () => {
        const r = await setup.gw.db.query(
          `SELECT count(*)::int AS n FROM callback_attempts a JOIN consent_transactions t ON t.id = a.transaction_id WHERE t.sp_id = $1 AND a.delivered`,
          [failingSpId],
        );
        return r.rows[0].n === 1;
      },
      10_000,
      'the retried callback recorded as delivered',
    );
    expect(rows.slice(0, 2).map((r: { status_code: number }) => r.status_code)).toEqual([503, 503]);
    await page.close();
  });

  it('a viewer sees no rotate button, the rotation route answers 403, and logout ends the session', async () => {
    const { page } = await signInAs('viewer');
    await page.goto(`${setup.gw.url}/ops/sps/${failingSpId}`);
    expect(await page.locator('#callback-health').count()).toBe(1);
    expect(await page.locator('#rotate').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-sp-viewer.png'), fullPage: true });

    const confirm = await page.request.get(`${setup.gw.url}/ops/sps/${failingSpId}/rotate`);
    expect(confirm.status()).toBe(403);
    expect(await confirm.text()).toContain('OPS_1000002');
    const csrf = (await page.getAttribute('input[name="_csrf"]', 'value'))!;
    const post = await page.request.post(`${setup.gw.url}/ops/sps/${failingSpId}/rotate`, { form: { _csrf: csrf } });
    expect(post.status()).toBe(403);
    const { rows } = await setup.gw.db.query(`SELECT count(*)::int AS n FROM sp_signing_secrets WHERE sp_id = $1`, [failingSpId]);
    expect(rows[0].n).toBe(1);

    const before = (await context.cookies()).find((c) => c.name === 'mwq_ops')!;
    expect(before.httpOnly).toBe(true);
    expect(before.sameSite).toBe('Lax');
    await page.click('#logout');
    await page.waitForURL(`${setup.gw.url}/ops/signed-out`);
    expect(await page.textContent('#signed-out')).toContain('signed out');
    expect((await context.cookies()).some((c) => c.name === 'mwq_ops')).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-signed-out.png'), fullPage: true });
    // The old cookie, put back by hand, opens nothing: the session is gone from Redis.
    await context.addCookies([before]);
    const res = await page.request.get(`${setup.gw.url}/ops`, { maxRedirects: 0 });
    expect(res.status()).toBe(302);
    expect(res.headers()['location']).toBe('/ops/login');
    await page.close();
  });
});
