// Each certificate kind with each option the kiosk offers, and each eligibility refusal
// with the words the resident sees, in headless Chromium against the seeded towns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, chooseWithCard, confirmAndTake, confirmAndExpectRefusal, APP } from './support/kiosk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const text = async (page, selector) => (await page.locator(selector).allTextContents()).map((t) => t.trim());

/// The latest fiscal year with records: they start each June.
function latestFiscalYear() {
  const now = new Date();
  return now.getMonth() + 1 >= 6 ? now.getFullYear() : now.getFullYear() - 1;
}

async function issued(card, kind, options) {
  const kiosk = await kioskPage(browser);
  await chooseWithCard(kiosk.page, card, kind);
  await options(kiosk.page);
  await confirmAndTake(kiosk.page);
  return kiosk;
}

async function finish({ page, context, errors }) {
  await page.locator('button.done').click();
  await page.locator('button.start').waitFor();
  assert.equal(await page.locator('article.certificate').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
}

test('住民票の写し for the whole household with 続柄 and 本籍, two copies', async () => {
  const kiosk = await issued(1, 'juminhyo', async (page) => {
    await page.locator('button.scope-household').click();
    await page.locator('button.with-relationship').click();
    await page.locator('button.with-honseki').click();
    await page.locator('button.copies-more').click();
    assert.equal(await page.locator('button.with-honseki').getAttribute('aria-pressed'), 'true');
    await page.getByText('2 copies').waitFor();
    // The menu listed the fee per copy; the confirmation shows the total before issuing.
    await page.locator('button.next').click();
    await page.locator('.fee-total').getByText('手数料 400円').waitFor();
    await page.locator('button.back').click();
  });
  const { page } = kiosk;
  assert.deepEqual(await text(page, '.certificate .name'), ['木下 花子', '木下 大輔', '木下 蓮']);
  assert.deepEqual(await text(page, '.certificate .relationship'), ['世帯主', '夫', '子']);
  assert.equal(await page.locator('.certificate .householder').textContent(), '木下 花子');
  assert.deepEqual(await text(page, '.certificate .honseki'), Array(3).fill('千葉県印西市大森2345番地'));
  await page.getByText('世帯全員の住民票の原本と相違ない').waitFor();
  await page.getByText('手数料 400円').waitFor();
  assert.equal(await page.getByText('個人番号').count(), 0, 'the individual number is never printed by default');
  await finish(kiosk);
});

test('住民票の写し for chosen members: the kiosk lists the household, the resident picks two', async () => {
  const kiosk = await issued(3, 'juminhyo', async (page) => {
    await page.locator('button.scope-members').click();
    await page.locator('button.member-1').waitFor({ timeout: 30000 });
    assert.deepEqual(await text(page, 'button.member .name'), ['高橋 誠', '高橋 由美', '高橋 美咲']);
    assert.equal(await page.locator('button.next').isDisabled(), true, 'nobody chosen yet');
    await page.locator('button.member-1').click();
    await page.locator('button.member-3').click();
    assert.equal(await page.locator('button.member-3').getAttribute('aria-pressed'), 'true');
  });
  const { page, edgeRequests } = kiosk;
  assert.deepEqual(await text(page, '.certificate .name'), ['高橋 誠', '高橋 美咲']);
  await page.getByText('世帯の一部の住民票の原本と相違ない').waitFor();
  assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/issue')).length, 2, 'the list, then the certificate');
  assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length, 1, 'only the certificate is reported');
  await finish(kiosk);
});

test('住民票の写し for the holder alone prints neither 続柄 nor 本籍', async () => {
  const kiosk = await issued(3, 'juminhyo', async () => {});
  const { page } = kiosk;
  assert.deepEqual(await text(page, '.certificate .name'), ['高橋 美咲']);
  assert.equal(await page.locator('.certificate .relationship, .certificate .honseki').count(), 0);
  await page.getByText('世帯の一部の住民票の原本と相違ない').waitFor();
  await finish(kiosk);
});

test('印鑑登録証明書 carries the registered seal image', async () => {
  const kiosk = await issued(1, 'inkan', async () => {});
  const { page } = kiosk;
  assert.equal(await page.locator('.certificate h1').textContent(), '印鑑登録証明書');
  const src = await page.locator('.certificate img.seal').getAttribute('src');
  assert.ok(src.startsWith('data:image/svg+xml'), src);
  assert.ok(decodeURIComponent(src).includes('木'), 'the seal shows the family name');
  const width = await page.locator('.certificate img.seal').evaluate((img) => img.naturalWidth);
  assert.ok(width > 0, 'the seal image renders');
  await page.getByText('手数料 200円').waitFor();
  await finish(kiosk);
});

test('the printed certificate: one A4 page with the anti-copy ground, micro-text and the seal', async () => {
  const kiosk = await kioskPage(browser, { printing: true });
  const { page } = kiosk;
  await chooseWithCard(page, 1, 'inkan');
  await confirmAndTake(page);
  await page.emulateMedia({ media: 'print' });
  const article = page.locator('article.certificate');
  assert.match(await article.evaluate((e) => getComputedStyle(e).backgroundImage), /svg.*%E8%A4%87%E5%86%99|svg.*複写/s);
  const serial = (await page.locator('.certificate .serial').textContent()).replace('証明書番号 ', '');
  const micro = page.locator('.certificate .microtext').first();
  assert.ok((await micro.textContent()).includes(serial), 'the micro-text repeats the serial');
  assert.ok(parseFloat(await micro.evaluate((e) => getComputedStyle(e).fontSize)) < 6, 'micro-text is tiny');
  assert.equal(await page.locator('.no-print').first().isVisible(), false, 'screen-only parts are not printed');
  const pdf = await page.pdf({ printBackground: true, preferCSSPageSize: true });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || [];
  assert.equal(pages.length, 1, 'one page');
  if (process.env.KOFU_SCREENSHOTS) {
    await article.screenshot({ path: `${process.env.KOFU_SCREENSHOTS}/printed-inkan.png` });
  }
  await page.emulateMedia({ media: 'screen' });
  await finish(kiosk);
});

test('所得証明書 for the fiscal year before last', async () => {
  const year = latestFiscalYear() - 1;
  const kiosk = await issued(1, 'shotoku', async (page) => {
    await page.locator(`button.year-${year}`).click();
  });
  const { page } = kiosk;
  assert.equal(await page.locator('.certificate h1').textContent(), '所得証明書');
  assert.equal(await page.locator('.certificate .fiscal-year').textContent(), `令和${year - 2018}年度（${year - 1}年分）`);
  assert.match(await page.locator('.certificate .total-income').textContent(), /^[\d,]+円$/);
  assert.equal(await page.locator('.certificate .municipal-tax').count(), 0);
  await finish(kiosk);
});

test('課税証明書 for a taxed resident, 非課税証明書 for one who is not', async () => {
  const taxed = await issued(1, 'kazei', async () => {});
  assert.equal(await taxed.page.locator('.certificate h1').textContent(), '課税証明書');
  assert.notEqual(await taxed.page.locator('.certificate .municipal-tax').textContent(), '0円');
  await finish(taxed);
  const untaxed = await issued(2, 'kazei', async () => {});
  assert.equal(await untaxed.page.locator('.certificate h1').textContent(), '非課税証明書');
  assert.equal(await untaxed.page.locator('.certificate .municipal-tax').textContent(), '0円');
  await finish(untaxed);
});

test('a resident of 千代田区 gets the certificate from 千代田区', async () => {
  const kiosk = await issued(9, 'juminhyo', async () => {});
  const { page } = kiosk;
  assert.deepEqual(await text(page, '.certificate .name'), ['石川 由紀子']);
  assert.match(await page.locator('.certificate .issuer').textContent(), /千代田区区長$/);
  await finish(kiosk);
});

const refusals = [
  [2, 'inkan', 'no_seal_registration', '印鑑登録がないため', 'You have no registered seal'],
  [8, 'juminhyo', 'name_not_printable', '印刷できない文字', 'characters this kiosk cannot print'],
  [3, 'shotoku', 'fiscal_year_unavailable', 'お選びの年度の証明書', 'cannot be issued here'],
  [4, 'kazei', 'resident_moved_out', '転出の手続き', 'You have moved out'],
  [5, 'juminhyo', 'not_served', 'コンビニ交付をご利用いただけません', 'cannot be used for kiosk certificates'],
  [6, 'inkan', 'not_served', 'コンビニ交付をご利用いただけません', 'cannot be used for kiosk certificates'],
  [7, 'juminhyo', 'not_yet_active', '翌日以降にご利用ください', 'Please come back tomorrow'],
];

for (const [card, kind, code, ja, en] of refusals) {
  test(`card ${card} asking ${kind} is refused with ${code}, explained in both languages`, async () => {
    const { page, context, edgeRequests, errors } = await kioskPage(browser);
    await chooseWithCard(page, card, kind);
    const error = await confirmAndExpectRefusal(page);
    assert.equal(await error.getAttribute('data-code'), code);
    await page.getByText(ja).first().waitFor();
    await page.getByText(en).first().waitFor();
    assert.equal(await page.locator('article.certificate').count(), 0);
    assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length, 0, 'nothing printed, nothing charged');
    // A DV support measure must never be hinted at on screen.
    assert.equal(await page.getByText(/支援|support measure/i).count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
