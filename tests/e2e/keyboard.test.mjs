// Every path through the kiosk with the keypad alone (digits, Enter, Escape, arrows), in
// Japanese and in English: issuance, cancel on each step, wrong PIN, last try, blocked
// PIN, refusal, a screen left alone (warning, then back to the start) and a card never
// taken out (voided). Only the card itself is handled, as a resident's hands would: the
// dev build's virtual-card controls stand for putting the card in and taking it out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, kioskPage, screenNow, APP, EDGE } from './support/kiosk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');
const catalog = (lang) => JSON.parse(readFileSync(new URL(`../../app/locales/${lang}.json`, import.meta.url)));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const onScreen = (page, name) => page.locator(`main[data-screen^="${name}"]`).waitFor({ timeout: 30000 });
const focused = (page, cls) => page.evaluate((c) => document.activeElement?.classList.contains(c) ?? false, cls);

/// Arrow keys until `cls` has the focus, as a keypad user would.
async function focusOn(page, cls) {
  await page.locator(`.${cls}`).first().waitFor();
  for (let presses = 0; presses < 40; presses++) {
    if (await focused(page, cls)) return;
    await page.keyboard.press('ArrowDown');
  }
  assert.fail(`the arrows never reached .${cls}`);
}

async function press(page, cls) {
  await focusOn(page, cls);
  await page.keyboard.press('Enter');
}

for (const lang of ['ja', 'en']) {
  const t = catalog(lang);
  const see = (page, text) => page.getByText(text, { exact: false }).first().waitFor({ timeout: 30000 });

  /// A card goes in (harness) and the resident picks the language and starts, by keypad.
  async function begin(page, card) {
    await onScreen(page, 'Idle');
    if (lang === 'en') {
      await press(page, 'lang-en');
      await see(page, t.idle);
    }
    // After the language: a language change renders the idle screen (and this control) anew.
    await page.locator('select.virtual-card').selectOption(String(card));
    await press(page, 'start');
    await onScreen(page, 'Pin');
    await page.waitForFunction(() => document.activeElement?.classList.contains('pin'));
  }

  async function pin(page, digits) {
    await page.keyboard.type(digits);
    await page.keyboard.press('Enter');
  }

  const focusIs = (page, cls) => page.waitForFunction((c) => document.activeElement?.classList.contains(c), cls);

  /// Card in, the right PIN, and the menu's arrival (its first certificate focused).
  async function toMenu(page, card) {
    await begin(page, card);
    await pin(page, '1234');
    await onScreen(page, 'Choose');
    await focusIs(page, 'choice-juminhyo');
  }

  /// Enter on the focused confirmation: the request goes out.
  async function confirm(page) {
    await focusIs(page, 'confirm');
    await page.keyboard.press('Enter');
  }

  test(`keypad only (${lang}): every path, from issuance to each cancel, timeout, PIN and refusal`, async () => {
    const { page, context, edgeRequests, errors } = await kioskPage(browser);
    // 10 % of the standard timeouts, so the time-outs below take seconds.
    await page.route('**/config.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, timeout_percent: 10 }) }));
    // The screens in order, for a failure's message.
    await page.addInitScript(() => {
      window.__screens = [];
      new MutationObserver(() => {
        const now = document.querySelector('main')?.dataset.screen;
        if (now && window.__screens.at(-1) !== now) window.__screens.push(now);
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-screen'], childList: true });
    });
    await page.reload();
    const outcomes = () => edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length;
    try {
      await walk(page, outcomes);
    } catch (e) {
      e.message += `\nthe kiosk showed: ${await screenNow(page)}`;
      e.message += `\nscreens: ${(await page.evaluate(() => window.__screens)).slice(-12).join(' → ')}`;
      throw e;
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  async function walk(page, outcomes) {

    // 1. A certificate, two copies: menu, options, confirmation with the fee, card out, print.
    await toMenu(page, 1);
    await page.keyboard.press('Enter');
    await onScreen(page, 'Options');
    await press(page, 'copies-more');
    await press(page, 'next');
    await onScreen(page, 'Confirm');
    await see(page, t.fee.replace('{n}', '400'));
    await confirm(page);
    await onScreen(page, 'RemoveCard');
    await see(page, t.remove_card);
    await press(page, 'remove-card');
    await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 15000 });
    assert.equal(outcomes(), 1);
    // Finish: the thank-you screen (0.4 s at this speed) returns to the start by itself.
    await press(page, 'done');
    await onScreen(page, 'Idle');

    // 2. Escape cancels on the PIN screen.
    await begin(page, 1);
    await page.keyboard.press('Escape');
    await onScreen(page, 'Idle');

    // 3. A wrong PIN (tries left shown), then the right one; Escape on the menu cancels.
    await begin(page, 3);
    await pin(page, '9999');
    await onScreen(page, 'Pin { tries_left: 2, last_wrong: true }');
    await see(page, t.pin_wrong_other.replace('{n}', '2'));
    await pin(page, '1234');
    await onScreen(page, 'Choose');
    await focusIs(page, 'choice-juminhyo');
    await page.keyboard.press('Escape');
    await onScreen(page, 'Idle');

    // 4. Escape steps back from the confirmation to the options to the menu, then cancels.
    await toMenu(page, 1);
    await page.keyboard.press('Enter');
    await onScreen(page, 'Options');
    await press(page, 'next');
    await onScreen(page, 'Confirm');
    for (const back of ['Options', 'Choose', 'Idle']) {
      await page.keyboard.press('Escape');
      await onScreen(page, back);
    }

    // 5. Two wrong PINs: the last-try warning; the third locks the card, with guidance.
    await begin(page, 3);
    await pin(page, '1111');
    await pin(page, '2222');
    await onScreen(page, 'Pin { tries_left: 1, last_wrong: true }');
    await see(page, t.pin_last_try);
    await pin(page, '3333');
    await onScreen(page, 'PinBlocked');
    await see(page, t.pin_blocked);
    await page.keyboard.press('Enter');
    await onScreen(page, 'Idle');

    // 6. A refusal, in plain words; Enter goes back to the start.
    // The menu's arrival puts the focus on its first item; then the arrows.
    await toMenu(page, 2);
    await press(page, 'choice-inkan');
    await onScreen(page, 'Options');
    await press(page, 'next');
    await confirm(page);
    await page.locator('section.error[data-code="no_seal_registration"]').waitFor({ timeout: 30000 });
    await see(page, t.error_no_seal_registration);
    await page.keyboard.press('Enter');
    await onScreen(page, 'Idle');

    // 7. Nobody answers: the warning comes (in the language), then the start screen.
    await begin(page, 1);
    await page.locator('.timeout-warning').waitFor({ timeout: 15000 });
    await see(page, t.still_there);
    await onScreen(page, 'Idle');

    // 8. The card is never taken out: reminded, warned, then abandoned and voided.
    const before = outcomes();
    await toMenu(page, 1);
    await page.keyboard.press('Enter');
    await press(page, 'next');
    await confirm(page);
    await onScreen(page, 'RemoveCard');
    await page.locator('.timeout-warning').waitFor({ timeout: 30000 });
    await onScreen(page, 'Idle');
    assert.equal(await page.locator('article.certificate').count(), 0, 'nothing printed');
    for (let i = 0; i < 100 && outcomes() === before; i++) await page.waitForTimeout(100);
    assert.equal(outcomes(), before + 1, 'the unprinted issuance is reported, so it is voided');
  }
}
