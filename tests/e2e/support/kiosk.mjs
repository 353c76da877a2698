// Shared by the browser tests: one headless Chromium, a fresh kiosk page per test, and the
// steps of a transaction with the virtual card (dev build).
import { chromium } from 'playwright-core';

export const APP = process.env.KOFU_APP_URL;
export const EDGE = process.env.KOFU_EDGE_URL;

export async function launch() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await warmUp(browser);
  return browser;
}

/// A fresh headless Chromium sometimes never finishes its very first kiosk page (seen in CI
/// and here, not understood yet: the wasm request stays unanswered and the page does not
/// respond), while every later page of the same browser is fine. So the kiosk is rendered
/// once before the tests, and how long that took is logged, to keep the stall visible.
async function warmUp(browser) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const started = Date.now();
    try {
      await page.goto(APP);
      await page.locator('main').waitFor({ timeout: 20000 });
      console.error(`browser warm-up: the kiosk rendered in ${Date.now() - started} ms (attempt ${attempt})`);
      return;
    } catch {
      console.error(`browser warm-up: attempt ${attempt} stalled for ${Date.now() - started} ms`);
    } finally {
      await context.close();
    }
  }
  throw new Error('a fresh Chromium never rendered the kiosk');
}

/// A fresh kiosk page. `printing`: the kiosk's own window.print() does nothing (it would
/// hold the page's print job), so the test can print to PDF itself.
export async function kioskPage(browser, { printing = false, viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport });
  if (printing) await context.addInitScript(() => { window.print = () => {}; });
  const page = await context.newPage();
  const edgeRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(EDGE)) edgeRequests.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const failed = [];
  const pending = new Set();
  page.on('request', (r) => pending.add(r.url()));
  page.on('requestfinished', (r) => pending.delete(r.url()));
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`); });
  // Only for the message below: a refused request logs a console error by design.
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(APP);
  await onScreen(page, async () => {
    try {
      await page.locator('button.start').waitFor();
    } catch (e) {
      e.message += `\npage errors: ${JSON.stringify([...errors, ...consoleErrors])}\nfailed requests: ${JSON.stringify(failed)}\nunanswered: ${JSON.stringify([...pending])}`;
      throw e;
    }
  });
  return { page, context, edgeRequests, errors };
}

/// What the kiosk shows now, for a failing step's message (fictional test residents only).
export async function screenNow(page) {
  return page.locator('main').evaluate((main) => main.innerText.replace(/\s+/g, ' ').slice(0, 400))
    .catch((e) => `(no screen: ${e.message})`);
}

/// Runs the steps; a failure says which screen the kiosk was on.
export async function onScreen(page, steps) {
  try {
    return await steps();
  } catch (e) {
    e.message += `\nthe kiosk showed: ${await screenNow(page)}`;
    throw e;
  }
}

/// Card in, PIN, the certificate menu: the kiosk then shows the chosen kind's options.
export async function chooseWithCard(page, card, kind) {
  await onScreen(page, async () => {
    await page.locator('select.virtual-card').selectOption(String(card));
    await page.locator('button.start').click();
    await page.locator('input.pin').fill('1234');
    await page.locator('button.pin-submit').click();
    await page.locator(`button.choice-${kind}`).click();
    await page.locator('button.next').waitFor();
  });
}

/// From the options screen: confirm, take the card, and wait for the printed certificate.
export async function confirmAndTake(page) {
  await onScreen(page, () => confirmAndTakeSteps(page));
}

/// From the options screen: confirm, and wait until the kiosk asks for the card back.
export async function confirmUntilRemoveCard(page) {
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
}

async function confirmAndTakeSteps(page) {
  await confirmUntilRemoveCard(page);
  await page.locator('button.remove-card').click();
  await page.locator('article.certificate').waitFor({ timeout: 10000 });
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
}

/// From the options screen: confirm and wait for the refusal screen.
export async function confirmAndExpectRefusal(page) {
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  const error = page.locator('section.error');
  await error.waitFor({ timeout: 30000 });
  return error;
}
