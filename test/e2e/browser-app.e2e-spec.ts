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

  it('shows the statement, the terms link and the standing-consent notice in both languages, lists the standing consent and revokes it', async () => {
    const owner = await onboardSp(gw, { callbackUrl: receiver.url, callbackApiKey: API_KEY, name: 'Emirates Bank', nameAr: 'بنك الإمارات' });
    const requester = await onboardSp(gw, { name: 'Dubai Insurance', nameAr: 'تأمين دبي' });
    const client = new SpClient(gw, owner);
    const user = await createUser(gw);
    const token = await userToken(gw, user.id);
    const consent = {
      statement: 'I agree that Dubai Insurance may read my Emirates ID for my policy.',
      statementAr: 'أوافق على أن تطلع تأمين دبي على هويتي الإماراتية من أجل وثيقتي.',
      termsUrl: 'https://insurance.example/privacy',
    };
    const validUntil = new Date(Date.now() + 90 * 86_400_000).toISOString();

    const page: Page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${gw.url}/app/#token=${token}`);
    await page.waitForSelector('body[data-live="ready"]', { timeout: 10_000 });
    if ((await page.getAttribute('html', 'lang')) !== 'en') await page.click('#lang-toggle');

    const body = sendBody(owner, user, { requestedById: requester.clientId, consent, validUntil });
    const sent = await client.send(body);
    expect(sent.body.transactionStatus).toBe('TRIGGERED');
    const id: string = sent.body.uaePassTransactionID;
    const card = page.locator(`.card[data-id="${id}"]`);
    await card.waitFor({ state: 'visible', timeout: 5000 });

    // English: the statement, a link to the terms, and the notice that the consent stands.
    expect(await card.locator('.statement-text').textContent()).toBe(consent.statement);
    expect(await card.locator('.statement').getAttribute('dir')).toBe('ltr');
    expect(await card.locator('a.terms').getAttribute('href')).toBe(consent.termsUrl);
    expect(await card.locator('a.terms').textContent()).toBe('Read the terms');
    const noticeEn = await card.locator('.standing-notice').textContent();
    expect(noticeEn).toContain('This consent lasts until');
    expect(noticeEn).toContain('without asking you');
    expect(noticeEn).toContain(String(new Date(validUntil).getUTCFullYear()));

    // Arabic: the same, right to left.
    await page.click('#lang-toggle');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await card.locator('.statement-text').textContent()).toBe(consent.statementAr);
    expect(await card.locator('.statement').getAttribute('dir')).toBe('rtl');
    expect(await card.locator('a.terms').textContent()).toBe('اقرأ الشروط');
    expect(await card.locator('a.terms').getAttribute('href')).toBe(consent.termsUrl);
    expect(await card.locator('.standing-notice').textContent()).toContain('تبقى هذه الموافقة سارية حتى');
    await page.screenshot({ path: join(ARTIFACTS, 'browser-app-standing-ar.png'), fullPage: true });

    await card.locator('button.accept').click();
    const standing = page.locator(`#standing li[data-id="${id}"]`);
    await standing.waitFor({ state: 'visible', timeout: 5000 });
    expect(await standing.locator('.status').textContent()).toBe('سارية');
    expect(await standing.textContent()).toContain('تأمين دبي');
    expect(await standing.textContent()).toContain('الهوية الإماراتية');

    // Relied on again: answered at once, without a card for the user.
    const again = await client.send(sendBody(owner, user, { requestedById: requester.clientId }));
    expect(again.body.transactionStatus).toBe('ACCEPTED');

    await standing.locator('button.revoke').click();
    await page.waitForSelector(`#standing li[data-id="${id}"] .status[data-status="REVOKED"]`, { timeout: 5000 });
    expect(await standing.locator('.status').textContent()).toBe('ملغاة');
    for (const txId of [id, again.body.uaePassTransactionID]) {
      await receiver.waitFor((c) => c.body.uaePassTransactionID === txId && c.body.status === 'REVOKED', 5000);
    }
    await page.click('#lang-toggle');
    expect(await standing.locator('.status').textContent()).toBe('Revoked');
    expect(problems).toEqual([]);
    await page.close();
  });
});
