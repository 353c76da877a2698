// One walk through every screen of the kiosk with the virtual card (dev build), calling
// `check(label)` on each: the accessibility audit and the layout test both use it.
import assert from 'node:assert/strict';

/// Language and display mode are chosen on the idle screen, for one transaction.
async function choose(page, { lang, large }) {
  if (lang !== 'ja') await page.locator(`button.lang-${lang}`).click();
  if (large) await page.locator('button.large-text').click();
}

/// `warning`: also wait for the still-there warning on the remove-card screen (slow: it
/// needs a shortened timeout in config.json).
export async function walkEveryScreen(page, check, { lang = 'ja', large = false, warning = false } = {}) {
  const screens = [];
  const at = async (label) => { screens.push(label); await check(label); };
  // The issue request waits a moment, so the processing screen can be looked at.
  await page.route('**/v1/issue', async (route) => {
    await new Promise((r) => setTimeout(r, 1200));
    await route.continue();
  });
  await choose(page, { lang, large });
  await at('idle');
  await page.locator('button.start').click();
  await page.locator('input.pin').waitFor();
  await at('pin');
  await page.locator('input.pin').fill('12');
  await page.locator('button.pin-submit').click();
  await page.locator('.warning').waitFor();
  await at('pin, format hint');
  await page.locator('input.pin').fill('9999');
  await page.locator('button.pin-submit').click();
  await page.locator('.tries.wrong').waitFor();
  await at('pin, wrong');
  await page.locator('input.pin').fill('1234');
  await page.locator('button.pin-submit').click();
  await page.locator('button.choice-juminhyo').waitFor({ timeout: 30000 });
  await at('choose');
  for (const kind of ['inkan', 'shotoku', 'juminhyo']) {
    await page.locator(`button.choice-${kind}`).click();
    await page.locator('button.next').waitFor();
    await at(`options ${kind}`);
    if (kind !== 'juminhyo') await page.locator('button.back').click();
  }
  await page.locator('button.with-relationship').click();
  await page.locator('button.scope-members').click();
  await page.locator('button.member-1').waitFor({ timeout: 30000 });
  await at('options, household members');
  await page.locator('button.member-1').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').waitFor();
  await at('confirm');
  await page.locator('button.confirm').click();
  await page.locator('section.processing').waitFor();
  await at('processing');
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  await at('remove card');
  if (warning) {
    await page.locator('.timeout-warning').waitFor({ timeout: 30000 });
    await at('time warning');
    await page.locator('button.keep-going').click();
  }
  await page.locator('button.remove-card').click();
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
  await at('certificate');
  await page.locator('button.done').click();
  await page.locator('section.thank-you').waitFor();
  await at('thank you');
  await page.locator('section.thank-you button').click();
  // A refusal and a blocked PIN, in the same language and mode again.
  await page.locator('button.start').waitFor();
  await choose(page, { lang, large });
  await page.locator('select.virtual-card').selectOption('4');
  await page.locator('button.start').click();
  await page.locator('input.pin').fill('1234');
  await page.locator('button.pin-submit').click();
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('section.error').waitFor({ timeout: 30000 });
  await at('refused');
  await page.locator('section.error button').click();
  await choose(page, { lang, large });
  await page.locator('select.virtual-card').selectOption('1');
  await page.locator('button.start').click();
  for (const pin of ['1111', '2222', '3333']) {
    await page.locator('input.pin').fill(pin);
    await page.locator('button.pin-submit').click();
    await page.waitForTimeout(300);
  }
  await page.locator('main[data-screen="PinBlocked"]').waitFor();
  await at('pin blocked');
  assert.ok(screens.length >= 16, `walked ${screens.length} screens`);
  return screens;
}

/// The window holds the whole screen (no scrolling either way) and every control is at
/// least 48 × 48 CSS px, inside the window, and holds its own text.
export async function assertFits(page, label) {
  const found = await page.evaluate(() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollHeight > innerHeight + 1) problems.push(`scrolls: ${root.scrollHeight} px of ${innerHeight}`);
    if (root.scrollWidth > innerWidth + 1) problems.push(`scrolls sideways: ${root.scrollWidth} px of ${innerWidth}`);
    for (const el of document.querySelectorAll('main button, main input, main select')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue; // not shown
      const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      if (box.height < 48 || box.width < 48) problems.push(`${name}: ${Math.round(box.width)}×${Math.round(box.height)} px`);
      if (box.bottom > innerHeight + 1 || box.right > innerWidth + 1) problems.push(`${name}: outside the window`);
      if (el.scrollHeight > el.clientHeight + 1) problems.push(`${name}: its text overflows it`);
    }
    return problems;
  });
  assert.deepEqual(found, [], `${label}: layout`);
}
