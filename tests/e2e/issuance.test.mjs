// End to end in real headless Chromium: the kiosk app (virtual card) → edge in workerd →
// municipal server. Started by `cargo xtask test`, which passes the stack's URLs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { launch, kioskPage as openKiosk } from './support/kiosk.mjs';
import { readQrLine } from './support/base45.mjs';
import { audit } from './support/axe.mjs';

const APP = process.env.KOFU_APP_URL;
const EDGE = process.env.KOFU_EDGE_URL;
const FIXTURES = process.env.KOFU_FIXTURES;
assert.ok(APP && EDGE && FIXTURES, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const kioskPage = () => openKiosk(browser);

async function enterPin(page, pin) {
  await page.locator('input.pin').fill(pin);
  await page.locator('button.pin-submit').click();
}

// The signing rule of docs/PROTOCOL.md: label ‖ 0x00 ‖ (u32be length ‖ part)*.
function signedMessage(label, part) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(part.length);
  return Buffer.concat([Buffer.from(label), Buffer.from([0]), len, part]);
}

test('a resident gets a 住民票の写し with the virtual card, and the kiosk returns to idle', async () => {
  const { page, context, edgeRequests, errors } = await kioskPage();
  await page.locator('button.start').click();
  await page.getByText('3 tries left').waitFor();
  await enterPin(page, '1234');
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  // The certificate is not shown while the card is in the reader.
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('article.certificate').count(), 0);
  await page.locator('button.remove-card').click();
  await page.locator('article.certificate').waitFor({ timeout: 10000 });

  // Printed (window.print in kiosk-printing mode), and the municipality acknowledged it.
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
  assert.deepEqual(edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length, 1);
  assert.equal(await page.locator('.certificate .name').textContent(), '木下 花子');
  assert.equal(await page.locator('.certificate .address').textContent(), '千葉県印西市大森二丁目3番地5');

  // The printed QR code's signed document: check the municipal signature ourselves, with
  // the municipality's key from the fixtures.
  const { code, signature, document } = readQrLine(await page.locator('code.signed-document').textContent());
  assert.equal(code, '122319');
  const key = await webcrypto.subtle.importKey('spki', readFileSync(`${FIXTURES}/municipal-122319.pub.der`),
    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const valid = await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature,
    signedMessage('kofu/v1/municipal-document', document));
  assert.ok(valid, 'municipal signature verifies');
  const parsed = JSON.parse(document.toString('utf8'));
  assert.equal(parsed.body.members[0].name, '木下 花子');
  assert.equal(parsed.binding.kiosk_id, 'kiosk-dev-001');

  assert.deepEqual(edgeRequests.filter((u) => u.endsWith('/v1/issue')).length, 1);
  await page.locator('button.done').click();
  await page.locator('button.start').waitFor();
  assert.equal(await page.locator('article.certificate').count(), 0);
  assert.equal(await page.getByText('木下').count(), 0, 'nothing of the resident remains on screen');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the time warning can be answered: Continue gives the screen its full time again', async () => {
  const { page, context, errors } = await kioskPage();
  await page.route('**/config.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, timeout_percent: 5 }) }));
  await page.reload();
  await page.locator('button.start').click();
  // PIN screen: 60 s at 5 % is 3 s; the warning comes at 2.25 s.
  await page.locator('.timeout-warning').waitFor({ timeout: 10000 });
  await page.locator('button.keep-going').click();
  assert.equal(await page.locator('.timeout-warning').count(), 0);
  await page.waitForTimeout(1500);
  assert.equal(await page.locator('input.pin').count(), 1, 'still on the PIN screen after Continue');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wrong PIN shows 2 tries left and nothing reaches the edge', async () => {
  const { page, context, edgeRequests, errors } = await kioskPage();
  await page.locator('select.virtual-card').selectOption('3');
  await page.locator('button.start').click();
  await page.getByText('3 tries left').waitFor();
  await enterPin(page, '9999');
  await page.getByText('Wrong PIN. 2 tries left').waitFor();
  await page.getByText('暗証番号が違います。残り2回').waitFor();
  assert.equal(await page.locator('input.pin').inputValue(), '', 'the typed PIN is cleared');
  assert.deepEqual(edgeRequests, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a resident who moved out is told why, in both languages, and nothing is printed', async () => {
  const { page, context, edgeRequests, errors } = await kioskPage();
  await page.locator('select.virtual-card').selectOption('4');
  await page.locator('button.start').click();
  await enterPin(page, '1234');
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('.error[data-code="resident_moved_out"]').waitFor({ timeout: 30000 });
  await page.getByText('転出の手続きがされているため').waitFor();
  await page.getByText('You have moved out').waitFor();
  assert.equal(await page.locator('article.certificate').count(), 0);
  assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length, 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a resident who walks away before taking the card gets nothing: the kiosk times out to idle', async () => {
  const { page, context, edgeRequests, errors } = await kioskPage();
  // 5 % of the standard timeouts: the remove-card screen's 120 s become 6 s.
  await page.route('**/config.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, timeout_percent: 5 }) }));
  await page.reload();
  await page.locator('button.start').click();
  await enterPin(page, '1234');
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  // Nobody takes the card: first a warning, then the transaction is abandoned and erased.
  await page.locator('.timeout-warning').waitFor({ timeout: 15000 });
  await page.getByText('Going back to the start soon').waitFor();
  await page.locator('button.start').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('.timeout-warning').count(), 0);
  assert.equal(await page.locator('article.certificate').count(), 0);
  assert.equal(await page.getByText('木下').count(), 0);
  // Issued, never printed: the kiosk reports it so the municipality voids it (no fee).
  await waitUntil(() => edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length === 1);
  assert.deepEqual(errors, []);
  await context.close();
});

async function waitUntil(condition, ms = 10000) {
  for (const start = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 50))) {
    assert.ok(Date.now() - start < ms, 'timed out waiting');
  }
}

test('cancel while the municipality is issuing: nothing shown, and the late answer is voided', async () => {
  const { page, context, edgeRequests, errors } = await kioskPage();
  // Hold the request a moment at the kiosk's side, so the resident can cancel meanwhile.
  await page.route('**/v1/issue', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.locator('button.start').click();
  await enterPin(page, '1234');
  // The menu tells the municipality's hours (the test directory: around the clock).
  await page.locator('.hours .times').getByText('0:00–24:00').waitFor();
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('.steps li.current').getByText('市区町村に証明書を請求しています').waitFor();
  assert.equal(await page.locator('.steps li.done').count(), 1, 'the card has signed');
  await audit(page, 'processing');
  await page.locator('section.processing button.cancel').click();
  await page.locator('button.start').waitFor();
  await waitUntil(() => edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length === 1);
  assert.equal(await page.locator('article.certificate').count(), 0);
  assert.equal(await page.getByText('木下').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});


test('a menu call that gets no answer at all is sent once more; twice, and the resident is told', async () => {
  // Once: as when `wrangler dev` refuses a CORS preflight. The kiosk asks again, unseen.
  let menuCalls = 0;
  let { page, context, errors } = await kioskPage();
  await page.route('**/v1/menu', (route) => (++menuCalls === 1 ? route.abort('failed') : route.continue()));
  await page.locator('button.start').click();
  await enterPin(page, '1234');
  await page.locator('button.choice-juminhyo').waitFor();
  assert.equal(menuCalls, 2);
  assert.deepEqual(errors, []);
  await context.close();

  // Every time: one retry only, then the network failure is explained.
  menuCalls = 0;
  ({ page, context } = await kioskPage());
  await page.route('**/v1/menu', (route) => (++menuCalls, route.abort('failed')));
  await page.locator('button.start').click();
  await enterPin(page, '1234');
  const error = page.locator('section.error');
  await error.waitFor({ timeout: 10000 });
  assert.equal(await error.getAttribute('data-failure'), 'Network');
  assert.equal(menuCalls, 2);
  await context.close();
});
