import { join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../support/browser';
import { Gateway, startGateway } from '../support/gateway';
import { createUser, eventually, onboardSp, sendBody, SpClient, userToken } from '../support/clients';
import { CallbackReceiver, isCorrectlySigned } from '../support/fakes/callback-receiver';

const API_KEY = 'browser-test-callback-key';

describe('reference app at /app/ in a real browser', () => {
  let gw: Gateway;
  let receiver: CallbackReceiver;
  let browser: BrowserContext;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gw = await startGateway();
    chromium = await launchChromium('app-chromium');
    browser = chromium.context;
  });
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await receiver?.stop();
  });

  it('shows a new request live, switches to Arabic, accepts, and the SP is called back', async () => {
    const owner = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY, name: 'Emirates Bank', nameAr: 'بنك الإمارات' });
    const requester = await onboardSp(gw, { name: 'Dubai Insurance', nameAr: 'تأمين دبي' });
    const client = new SpClient(gw, owner);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);

    const page: Page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${gw.url}/app/#token=${token}`);
    // The page has registered its 'sse' device and its stream is open.
    await page.waitForSelector('body[data-live="ready"]', { timeout: 10_000 });
    expect(page.url()).not.toContain(token); // the fragment is dropped once read

    const body = sendBody(owner, user, {
      requestedById: requester.clientId,
      content: {
        documents: [
          {
            name: 'Emirates ID',
            nameAr: 'الهوية الإماراتية',
            type: 'EMIRATES_ID',
            typeAr: 'الهوية',
            metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
            mustBeAccepted: true,
          },
          {
            name: 'Salary certificate',
            nameAr: 'شهادة الراتب',
            type: 'SALARY_CERTIFICATE',
            typeAr: 'شهادة الراتب',
            metadata: [{ displayName: 'Monthly salary', displayNameAr: 'الراتب الشهري' }],
          },
        ],
      },
    });
    const sent = await client.send(body);
    expect(sent.status).toBe(201);
    const id: string = sent.body.uaePassTransactionID;

    // Pushed over SSE: the open page shows it within 2 s, without a reload.
    const card = page.locator(`.card[data-id="${id}"]`);
    await card.waitFor({ state: 'visible', timeout: 2000 });
    await expect(card.locator('.party').textContent()).resolves.toContain('Dubai Insurance');

    await page.click('#lang-toggle');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    const arabic = await card.textContent();
    for (const text of ['تأمين دبي', 'بنك الإمارات', 'فتح حساب مصرفي', 'الهوية الإماراتية', 'شهادة الراتب', 'الاسم الكامل', 'موافقة', 'رفض']) {
      expect(arabic).toContain(text);
    }

    await page.screenshot({ path: join(ARTIFACTS, 'browser-app-pending-ar.png'), fullPage: true });
    await card.locator('button.accept').click();
    const cb = await receiver.waitFor((c) => c.body.uaePassTransactionID === id, 5000);
    expect(cb.body).toEqual({ spTransactionID: body.spTransactionID, status: 'ACCEPTED', uaePassTransactionID: id });
    expect(isCorrectlySigned(cb, owner.signingSecret, API_KEY)).toBe(true);
    expect((await client.status(body.spTransactionID)).body).toEqual({ uaePassTransactionID: id, spTransactionID: body.spTransactionID, status: 'ACCEPTED' });

    // The page moves it to the history, in Arabic, with a revoke button.
    await page.waitForSelector(`.history li[data-id="${id}"] .status[data-status="ACCEPTED"]`, { timeout: 5000 });
    expect(await page.textContent(`.history li[data-id="${id}"] .status`)).toBe('تمت الموافقة');
    await eventually(async () => (await page.locator(`.card[data-id="${id}"]`).count()) === 0, 3000, 'the card to leave the pending list');

    await page.screenshot({ path: join(ARTIFACTS, 'browser-app-accepted-ar.png'), fullPage: true });
    expect(problems).toEqual([]); // no script errors, no CSP violations
    await page.close();
  });
});
