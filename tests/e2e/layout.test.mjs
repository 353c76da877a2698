// Kiosk-grade layout: at the three screen sizes kiosks have, in Japanese and English, in
// normal and large text, no screen scrolls and every control is a touch target of at least
// 48 CSS px. `KOFU_SCREENSHOTS=dir` keeps each screen at 1280×800 (README's come from here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, APP } from './support/kiosk.mjs';
import { walkEveryScreen, assertFits } from './support/walk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SIZES = [[1024, 768], [1280, 800], [1920, 1080]];
/// The screens README shows.
const SHOWN = new Set(['ja idle', 'en choose', 'ja options, household members', 'ja confirm', 'ja processing',
  'ja remove card', 'ja certificate', 'en refused']);

for (const [width, height] of SIZES) {
  for (const lang of ['ja', 'en']) {
    for (const large of [false, true]) {
      const mode = `${width}×${height}, ${lang}${large ? ', large text' : ''}`;
      test(`no screen scrolls and every target is at least 48 px (${mode})`, async () => {
        const { page, context, errors } = await kioskPage(browser, { viewport: { width, height } });
        const shots = process.env.KOFU_SCREENSHOTS && width === 1280 && !large;
        await walkEveryScreen(page, async (label) => {
          await assertFits(page, `${mode}: ${label}`);
          if (shots && SHOWN.has(`${lang} ${label}`)) {
            await page.screenshot({ path: `${process.env.KOFU_SCREENSHOTS}/${lang}-${label.replace(/[^a-z]+/g, '-')}.png` });
          }
        }, { lang, large });
        assert.deepEqual(errors, []);
        await context.close();
      });
    }
  }
}
