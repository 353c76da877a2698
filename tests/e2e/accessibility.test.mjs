// axe-core (WCAG 2.1 A and AA rules) on every screen of a transaction, in Japanese and
// English, in headless Chromium: 0 violations. Large text and high contrast are audited on
// the idle screen and, in the layout test's walk, for fitting the window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, APP, EDGE } from './support/kiosk.mjs';
import { audit } from './support/axe.mjs';
import { walkEveryScreen } from './support/walk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const lang of ['ja', 'en']) {
  test(`every screen passes axe (${lang})`, async () => {
    const { page, context, errors } = await kioskPage(browser);
    // Short timeouts, so the still-there warning comes within the test.
    await page.route('**/config.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, timeout_percent: 20 }) }));
    await page.reload();
    await page.locator('button.start').waitFor();
    await page.locator('button.large-text').click();
    await page.locator('button.high-contrast').click();
    await audit(page, 'idle, large text and high contrast');
    await page.locator('button.large-text').click();
    await page.locator('button.high-contrast').click();
    await walkEveryScreen(page, (label) => audit(page, label), { lang, warning: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
}
