// The operator screen: reached from the idle kiosk by the maintenance key combination, shut
// behind the operator PIN (locked after three wrong ones, across reloads); the reader
// self-test over WebUSB; a non-extractable WebCrypto kiosk key, enrolled at the center through
// the ops API, that the kiosk then signs a whole issuance with; the printer test page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, onScreen, APP, EDGE } from './support/kiosk.mjs';
import { VirtualCcid } from './support/virtual-ccid.mjs';
import { audit } from './support/axe.mjs';
import { opsCall } from './support/ops.mjs';
import { printed } from './support/print.mjs';

assert.ok(APP && EDGE, 'run with `cargo xtask test`');
const OPERATOR_PIN = '135790'; // TEST ONLY (xtask/src/stack.rs)

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function typePin(page, pin) {
  await page.locator('#operator-pin').fill(pin);
  await page.locator('#unlock').click();
}

test('the maintenance keys open the operator screen, which opens only with the operator PIN', async () => {
  const { page, context, errors } = await kioskPage(browser);
  await page.keyboard.press('Control+Alt+Shift+M');
  await page.waitForURL(`${APP}/operator/`);
  await page.locator('#unlock:not([disabled])').waitFor();
  assert.equal(await page.locator('#panel').isVisible(), false, 'nothing but the PIN field');
  await audit(page, 'operator PIN');

  await typePin(page, '000000');
  await page.getByText('Wrong PIN (2 tries left)').waitFor();
  await typePin(page, '111111');
  await page.getByText('Wrong PIN (1 tries left)').waitFor();
  await typePin(page, '222222');
  await page.getByText('Locked: try again in 15 min').waitFor();
  await typePin(page, OPERATOR_PIN);
  await page.locator('#gate-status', { hasText: 'ロック' }).waitFor();
  assert.equal(await page.locator('#panel').isVisible(), false, 'the right PIN does not open a locked screen');
  // Opening the page again does not reset the lock.
  await page.reload();
  await page.locator('#unlock:not([disabled])').waitFor();
  await typePin(page, OPERATOR_PIN);
  await page.getByText('Locked: try again in').waitFor();
  assert.equal(await page.locator('#panel').isVisible(), false);
  assert.equal(await page.locator('#operator-pin').inputValue(), '', 'the typed PIN does not stay in the field');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a kiosk with no key is out of service: it says so and takes no card', async () => {
  const context = await browser.newContext({ locale: 'ja-JP' });
  // A dev build without its TEST-ONLY fallback key behaves as a release kiosk never enrolled.
  await context.route(`${APP}/config.json`, (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ edge_url: EDGE, dev_kiosk_key: false }) }));
  const page = await context.newPage();
  const edgeRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(EDGE)) edgeRequests.push(r.url()); });
  await page.goto(APP);
  await page.locator('.out-of-service', { hasText: 'This kiosk is not in service' }).waitFor();
  await page.locator('button.start').click();
  await page.waitForTimeout(500);
  assert.equal(await page.locator('main').getAttribute('data-screen'), 'Idle', 'no card is read');
  assert.equal(await page.locator('input.pin').count(), 0, 'no PIN is asked for');
  assert.deepEqual(edgeRequests, []);
  await context.close();
});

test('a kiosk enrolled on the operator screen signs an issuance with its WebCrypto key', async () => {
  const kioskId = `kiosk-op-${Date.now().toString(36)}`;
  const reader = new VirtualCcid('tpdu-t1');
  const context = await browser.newContext({ locale: 'ja-JP' });
  await reader.attach(context);
  await context.addInitScript(() => { window.print = () => { window.__prints = (window.__prints ?? 0) + 1; }; });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const challenges = [];
  page.on('request', (r) => { if (r.url().endsWith('/v1/challenges')) challenges.push(JSON.parse(r.postData())); });
  try {
    await page.goto(`${APP}/operator/`);
    await page.locator('#unlock:not([disabled])').waitFor();
    await typePin(page, OPERATOR_PIN);
    await page.locator('#panel').waitFor();
    await page.locator('#versions', { hasText: 'schema' }).waitFor();
    assert.match(await page.locator('#versions').innerText(), /Kiosk app\s+\d+\.\d+\.\d+/);

    // Reader self-test: the permitted reader, the card's ATR, JPKI selected, PIN tries read.
    await page.locator('#reader-status', { hasText: 'kofu virtual CCID reader' }).waitFor();
    await page.locator('#self-test').click();
    await page.locator('#self-test-result li.fail', { hasText: 'No card' }).waitFor();
    await reader.insertCard();
    await page.locator('#self-test').click();
    await page.locator('#self-test-result li.pass', { hasText: '3 tries left' }).waitFor();
    assert.match(await page.locator('#self-test-result').innerText(), /ATR 3B/);
    assert.equal(await reader.pinVerifications(), 0, 'the self-test never sends a PIN');
    await reader.removeCard();

    // A new key, non-extractable; the center does not know it yet.
    await page.locator('#kiosk-id').fill(kioskId);
    await page.locator('#generate').click();
    await page.locator('#identity', { hasText: 'non-extractable' }).waitFor();
    const publicKey = await page.locator('#identity dd').nth(2).innerText();
    assert.match(publicKey, /^[A-Za-z0-9_-]{80,}$/);
    assert.match(await page.locator('#enroll-command').innerText(), new RegExp(`--id ${kioskId} --public-key-b64 ${publicKey}`));
    const exported = await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('kofu-kiosk');
      open.onsuccess = () => {
        const get = open.result.transaction('kiosk').objectStore('kiosk').get('identity');
        get.onsuccess = () => crypto.subtle.exportKey('pkcs8', get.result.privateKey)
          .then(() => resolve('exported'), (e) => resolve(e.name));
      };
    }));
    assert.equal(exported, 'InvalidAccessError', 'the private key cannot be read out');
    await page.locator('#check-enrollment').click();
    await page.getByText('Not enrolled at the center, or revoked').waitFor();

    // The ops desk enrolls the shown public key.
    const enrolled = await opsCall('POST', '/v1/ops/kiosks',
      JSON.stringify({ id: kioskId, public_key: publicKey, operator: 'e2e operator', store: 'e2e store' }));
    assert.equal(enrolled.status, 200, enrolled.body);
    await page.locator('#check-enrollment').click();
    await page.getByText('Enrolled and active').waitFor();
    await audit(page, 'operator panel');
    if (process.env.KOFU_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.KOFU_SCREENSHOTS}/operator.png`, fullPage: true });
    }

    // The printer test page: ground, micro-text, scale and a QR code a scanner reads.
    await page.locator('#print-test').click();
    await page.getByText('The test page was sent to the printer').waitFor();
    assert.equal(await page.evaluate(() => window.__prints), 1);
    const testPage = await printed(page);
    assert.match(testPage.text, /印刷テスト/);
    assert.match(testPage.text, new RegExp(kioskId));
    assert.match(testPage.qr, new RegExp(`^KOFU-PRINT-TEST ${kioskId.toUpperCase()} \\d{4}-`));

    // Back at the kiosk: a whole issuance, every request signed by the WebCrypto key.
    await page.locator('#back').click();
    await page.waitForURL(`${APP}/`);
    await onScreen(page, async () => {
      await page.locator('.reader-status[data-reader="ready"]').waitFor();
      await reader.insertCard();
      await page.locator('input.pin').fill('1234');
      await page.locator('button.pin-submit').click();
      await page.locator('button.choice-juminhyo').click();
      await page.locator('button.next').click();
      await page.locator('button.confirm').click();
      await page.locator('main[data-screen="RemoveCard"]').waitFor({ timeout: 30000 });
      await reader.removeCard();
      await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
    });
    assert.ok(challenges.length >= 1 && challenges.every((c) => c.kiosk_id === kioskId), JSON.stringify(challenges));
    // An enrolled kiosk's storage after a resident's visit: its own key and the PIN lockout, nothing else.
    const stored = await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('kofu-kiosk');
      open.onsuccess = () => {
        const store = open.result.transaction('kiosk').objectStore('kiosk');
        const keys = store.getAllKeys();
        const values = store.getAll();
        values.onsuccess = () => resolve({
          keys: keys.result,
          fields: values.result.map((v) => Object.keys(v).sort().join(',')),
        });
      };
    }));
    assert.deepEqual(stored.keys, ['identity', 'operator-gate']);
    assert.deepEqual(stored.fields, ['createdAt,edgeUrl,kioskId,privateKey,publicKey', 'failures,lockedUntil']);
    assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), ['kofu-kiosk']);
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);

    // Revoked at the center: the operator screen says so.
    const revoked = await opsCall('POST', '/v1/ops/kiosks/revoke', JSON.stringify({ id: kioskId }));
    assert.equal(revoked.status, 200, revoked.body);
    await page.goto(`${APP}/operator/`);
    await page.locator('#unlock:not([disabled])').waitFor();
    await typePin(page, OPERATOR_PIN);
    await page.locator('#check-enrollment').click();
    await page.getByText('Not enrolled at the center, or revoked').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    reader.close();
  }
});
