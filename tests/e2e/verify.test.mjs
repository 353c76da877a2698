// The printed QR code and the /verify page: Chromium prints the certificate to PDF, poppler
// rasterizes it, zbar (not our code) reads the QR back, and /verify checks the municipal
// signature with the keys the center publishes — and refuses the same text with one byte changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, chooseWithCard, confirmAndTake, APP } from './support/kiosk.mjs';
import { base45Decode, base45Encode } from './support/base45.mjs';
import { audit } from './support/axe.mjs';
import { printed } from './support/print.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The QR codes' text as a scanner reads them off the printed page.
async function scannedFromPdf(page) {
  const { pages, qr } = await printed(page);
  assert.equal(pages, 1, 'one A4 page, QR code included');
  return qr;
}

async function verifyPage(text, shot = false) {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${APP}/verify/`);
  await page.locator('#check:not([disabled])').waitFor();
  await page.locator('#qr-text').fill(text);
  await page.locator('#check').click();
  await page.locator('#result[data-verdict]').waitFor();
  const verdict = await page.locator('#result').getAttribute('data-verdict');
  await audit(page, `/verify (${verdict})`);
  if (process.env.KOFU_SCREENSHOTS && shot) {
    await page.screenshot({ path: `${process.env.KOFU_SCREENSHOTS}/verify-${verdict}.png`, fullPage: true });
  }
  const shown = (await page.locator('#result').innerText()).replace(/\s+/g, ' ');
  await context.close();
  assert.deepEqual(errors, []);
  return { verdict, shown };
}

/// The same code with one byte of the signed document changed (the 65 bytes in: past the
/// signature), as a forger editing the paper's data would.
function withOneByteChanged(line) {
  const [header, code, data] = [line.slice(0, 5), line.slice(6, 12), line.slice(13)];
  const bytes = base45Decode(data);
  assert.equal(base45Encode(bytes), data, 'the test\'s base45 agrees with the printed code');
  bytes[64 + 40] ^= 0x01;
  return `${header}:${code}:${base45Encode(bytes)}`;
}

test('the printed 印鑑登録証明書 carries a QR code that /verify accepts, and refuses with one byte changed', async () => {
  const kiosk = await kioskPage(browser, { printing: true });
  const { page } = kiosk;
  await chooseWithCard(page, 1, 'inkan');
  await confirmAndTake(page);
  const serial = (await page.locator('.certificate .serial').textContent()).replace('証明書番号 ', '');
  assert.ok(await page.locator('.certificate img.seal').isVisible(), 'the seal is printed');
  const scanned = await scannedFromPdf(page);
  assert.match(scanned, /^KOFU1:122319:[0-9A-Z $%*+\-./:]+$/);
  assert.equal(scanned, await page.locator('code.signed-document').textContent(), 'the QR holds the signed document');
  await page.locator('button.done').click();
  await kiosk.context.close();
  assert.deepEqual(kiosk.errors, []);

  const genuine = await verifyPage(scanned, true);
  assert.equal(genuine.verdict, 'valid', genuine.shown);
  for (const expected of ['印西市が発行', '印鑑登録証明書', serial, '木下 花子', '第']) {
    assert.ok(genuine.shown.includes(expected), `${expected} in ${genuine.shown}`);
  }
  const altered = await verifyPage(withOneByteChanged(scanned), true);
  assert.equal(altered.verdict, 'invalid');
  assert.ok(altered.shown.includes('署名が一致しません'), altered.shown);
});

test('a household 住民票, the largest document, still reads back from paper and verifies', async () => {
  const kiosk = await kioskPage(browser, { printing: true });
  const { page } = kiosk;
  await chooseWithCard(page, 1, 'juminhyo');
  await page.locator('button.scope-household').click();
  await page.locator('button.with-relationship').click();
  await page.locator('button.with-honseki').click();
  await confirmAndTake(page);
  const scanned = await scannedFromPdf(page);
  await page.locator('button.done').click();
  await kiosk.context.close();
  const { verdict, shown } = await verifyPage(scanned);
  assert.equal(verdict, 'valid', shown);
  assert.ok(shown.includes('木下 花子、木下 大輔、木下 蓮') && shown.includes('世帯全員'), shown);
});

test('/verify explains text that is not a certificate code, or codes that are missing', async () => {
  const junk = await verifyPage('https://example.com/not-a-certificate');
  assert.equal(junk.verdict, 'invalid');
  assert.ok(junk.shown.includes('証明書のQRコードとして読めません') && junk.shown.includes('not a certificate'), junk.shown);
  const part = await verifyPage('KOFU1-1/2:122319:AAAA');
  assert.ok(part.shown.includes('QRコードがそろっていません'), part.shown);
});
