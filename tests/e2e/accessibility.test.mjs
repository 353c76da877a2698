// axe-core (WCAG 2.1 A and AA rules) on every screen of a transaction, in Japanese and
// English, in headless Chromium: 0 violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, APP, EDGE } from './support/kiosk.mjs';
import { audit } from './support/axe.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const lang of ['ja', 'en']) {
  test(`every screen passes axe (${lang})`, async () => {
    const { page, context, errors } = await kioskPage(browser);
    await page.route('**/config.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, timeout_percent: 20 }) }));
    await page.reload();
    await page.locator('button.start').waitFor();
    if (lang === 'en') await page.locator('button.lang-en').click();
    const screens = [];
    const check = async (label) => {
      screens.push(label);
      await audit(page, label);
      // `KOFU_SCREENSHOTS=dir` keeps a picture of each screen (README's come from here).
      if (process.env.KOFU_SCREENSHOTS) {
        await page.screenshot({ path: `${process.env.KOFU_SCREENSHOTS}/${lang}-${label.replace(/[^a-z]+/g, '-')}.png` });
      }
    };
    await check('idle');
    await page.locator('button.large-text').click();
    await page.locator('button.high-contrast').click();
    await check('idle, large text and high contrast');
    await page.locator('button.large-text').click();
    await page.locator('button.high-contrast').click();
    await page.locator('button.start').click();
    await page.locator('input.pin').waitFor();
    await check('pin');
    await page.locator('input.pin').fill('12');
    await page.locator('button.pin-submit').click();
    await check('pin, format hint');
    await page.locator('input.pin').fill('9999');
    await page.locator('button.pin-submit').click();
    await page.locator('.tries.wrong').waitFor();
    await check('pin, wrong');
    await page.locator('input.pin').fill('1234');
    await page.locator('button.pin-submit').click();
    await page.locator('button.choice-juminhyo').waitFor();
    await check('choose');
    for (const kind of ['inkan', 'shotoku', 'juminhyo']) {
      await page.locator(`button.choice-${kind}`).click();
      await page.locator('button.next').waitFor();
      await check(`options ${kind}`);
      if (kind !== 'juminhyo') await page.locator('button.back').click();
    }
    await page.locator('button.scope-members').click();
    await page.locator('button.member-1').waitFor({ timeout: 30000 });
    await check('options, household members');
    await page.locator('button.member-1').click();
    await page.locator('button.next').click();
    await check('confirm');
    await page.locator('button.confirm').click();
    await page.locator('button.remove-card').waitFor({ timeout: 30000 });
    await check('remove card');
    await page.locator('.timeout-warning').waitFor({ timeout: 30000 });
    await check('time warning');
    await page.locator('button.keep-going').click();
    await page.locator('button.remove-card').click();
    await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
    await check('certificate');
    await page.locator('button.done').click();
    // A refusal and a blocked PIN.
    await page.locator('select.virtual-card').selectOption('4');
    await page.locator('button.start').click();
    await page.locator('input.pin').fill('1234');
    await page.locator('button.pin-submit').click();
    await page.locator('button.choice-juminhyo').click();
    await page.locator('button.next').click();
    await page.locator('button.confirm').click();
    await page.locator('section.error').waitFor({ timeout: 30000 });
    await check('refused');
    await page.locator('section.error button').click();
    await page.locator('button.start').click();
    for (const pin of ['1111', '2222', '3333']) {
      await page.locator('input.pin').fill(pin);
      await page.locator('button.pin-submit').click();
      await page.waitForTimeout(300);
    }
    await page.locator('main[data-screen="PinBlocked"]').waitFor();
    await check('pin blocked');
    assert.ok(screens.length >= 14);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
