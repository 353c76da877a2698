// The kiosk's real WebUSB transport, end to end in headless Chromium: navigator.usb is
// replaced before the page loads by a fake device whose bulk and interrupt endpoints are
// a virtual CCID reader (the Rust one the native tests use). The card is "inserted" and
// "removed" in that reader; the app must notice both by itself (NotifySlotChange).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, APP, EDGE } from './support/kiosk.mjs';
import { VirtualCcid } from './support/virtual-ccid.mjs';
assert.ok(APP && EDGE, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function kioskWithReader(profile, options = {}) {
  const reader = new VirtualCcid(profile);
  const context = await browser.newContext({ locale: 'ja-JP' });
  await reader.attach(context, options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const edgeRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(EDGE)) edgeRequests.push(r.url()); });
  await page.goto(APP);
  const close = async () => { await context.close(); reader.close(); };
  return { reader, context, page, errors, edgeRequests, close };
}

const screen = (page, name) => page.locator(`main[data-screen^="${name}"]`).waitFor({ timeout: 30000 });

// Every virtual reader profile (card/src/ccid/virtual_reader/profiles.rs), each shaped
// like a family of real readers, with its dwMaxCCIDMessageLength: the virtual reader
// refuses any longer message, and the test checks none was sent or needed.
const PROFILES = {
  extended: 65544,
  'extended-271': 271, // answers chained: the certificate's rest comes in parts
  'extended-522': 522,
  short: 271,
  'tpdu-t1': 271,
  'tpdu-t0': 271,
  'tpdu-263': 263, // no interrupt endpoint either: the app polls for the card
  pinpad: 271, // the PIN typed on the page here; the keypad path is the kiosk's to use
  'descriptor-ff': 271,
};

for (const [profile, limit] of Object.entries(PROFILES)) {
  test(`issuance through WebUSB with a ${profile} reader: insertion and removal are seen by the app`, async () => {
    const { reader, page, errors, edgeRequests, close } = await kioskWithReader(profile);
    // The permitted reader is re-attached without a click, as in the kiosk.
    await page.locator('.reader-status[data-reader="ready"]').waitFor();
    assert.equal(await page.locator('input.pin').count(), 0, 'nothing starts without a card');
    await page.evaluate(() => window.__fakeUsb.resetCounts());

    await reader.insertCard();
    await screen(page, 'Pin');
    await page.getByText('3 tries left').waitFor();
    await page.locator('input.pin').fill('1234');
    await page.locator('button.pin-submit').click();
    await page.locator('button.choice-juminhyo').click();
    await page.locator('button.next').click();
    await page.locator('button.confirm').click();
    await screen(page, 'RemoveCard');
    assert.equal(await page.locator('article.certificate').count(), 0, 'nothing is shown while the card is in');
    const counts = await page.evaluate(() => ({ ...window.__fakeUsb.counts }));
    console.log(`# ${profile}: ${counts.out} bulk-OUT and ${counts.in} bulk-IN transfers for the card work`);

    await reader.removeCard();
    await page.locator('article.certificate').waitFor({ timeout: 10000 });
    await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
    assert.equal(await page.locator('.certificate .name').textContent(), '木下 花子');
    assert.equal(await reader.pinVerifications(), 1, 'one PIN entry, one VERIFY');
    const traffic = await reader.traffic();
    assert.equal(traffic.overLimit, 0, `no message over the reader's ${limit} bytes`);
    assert.ok(traffic.longestIn <= limit && traffic.longestOut <= limit, JSON.stringify(traffic));
    if (profile === 'extended-271') assert.ok(traffic.answerParts > 1, 'the long answer came chained');
    assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/issue')).length, 1);
    await page.locator('button.done').click();
    await screen(page, 'Idle');
    assert.deepEqual(errors, []);
    await close();
  });
}

test('a card pulled out on the PIN screen ends the transaction at once', async () => {
  const { reader, page, errors, edgeRequests, close } = await kioskWithReader('tpdu-t1');
  await page.locator('.reader-status[data-reader="ready"]').waitFor();
  await reader.insertCard();
  await screen(page, 'Pin');
  await reader.removeCard();
  await screen(page, 'Failed(CardRemoved)');
  await page.getByText('The card was removed').waitFor();
  assert.equal(await reader.pinVerifications(), 0);
  assert.deepEqual(edgeRequests, []);
  assert.deepEqual(errors, []);
  await close();
});

test('an unplugged reader ends the transaction and the kiosk says so', async () => {
  const { reader, page, errors, close } = await kioskWithReader('extended');
  await page.locator('.reader-status[data-reader="ready"]').waitFor();
  await reader.insertCard();
  await screen(page, 'Pin');
  await page.evaluate(() => window.__fakeUsb.unplug());
  await screen(page, 'Failed(ReaderLost)');
  await page.getByText('The card reader was disconnected').first().waitFor();
  await page.locator('button', { hasText: 'Back to start' }).click();
  await page.locator('.reader-status[data-reader="Disconnected"]').waitFor();
  assert.deepEqual(errors, []);
  await close();
});

test('Chrome blocking the smart-card class is explained, with the ways around it', async () => {
  const { page, errors, close } = await kioskWithReader('extended', { protectedClass: true });
  await page.locator('.reader-status[data-reader="ProtectedClass"]').waitFor();
  await page.getByText('vendor-class reader such as the NTT Com SCR3310').waitFor();
  await page.getByText('Web Smart Card API').first().waitFor();
  assert.ok(await page.locator('button.connect-reader').isVisible(), 'the developer can pick another reader');
  assert.deepEqual(errors, []);
  await close();
});
