// Six languages, voice guidance and keypad-only operation, in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, chooseWithCard, confirmUntilRemoveCard, APP } from './support/kiosk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// speechSynthesis replaced by a recorder: what would be said, in which voice.
const recordSpeech = () => {
  window.__spoken = [];
  const synth = { speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang }), cancel: () => {} };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
};

async function voicedKiosk() {
  const context = await browser.newContext({ locale: 'ja-JP' });
  await context.addInitScript(recordSpeech);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(APP);
  await page.locator('button.start').waitFor();
  return { page, context, errors };
}

const spoken = (page) => page.evaluate(() => window.__spoken.slice());
const screen = (page, name) => page.locator(`main[data-screen="${name}"]`).waitFor({ timeout: 30000 });

test('each language shows the kiosk in it, with Japanese beneath, and idle returns to Japanese', async () => {
  const expected = {
    'zh-Hans': '请放置您的个人编号卡（My Number卡）',
    ko: '마이넘버 카드를 올려 주세요',
    vi: 'Vui lòng đặt thẻ My Number của bạn',
    'pt-BR': 'Coloque o seu cartão My Number',
    en: 'Please place your My Number card',
  };
  const { page, context, errors } = await kioskPage(browser);
  for (const [code, text] of Object.entries(expected)) {
    await page.locator(`button.lang-${code}`).click();
    const main = page.locator(`section p.main-text[lang="${code}"]`).first();
    assert.equal(await main.textContent(), text);
    assert.equal(await page.locator('section p.sub-text[lang="ja"]').first().textContent(), 'マイナンバーカードを置いてください');
  }
  // A whole transaction in Vietnamese, then back to Japanese for the next resident.
  await page.locator('button.lang-vi').click();
  await page.locator('button.start').click();
  await page.getByText('Còn 3 lần nhập').waitFor();
  await page.locator('input.pin').fill('9999');
  await page.locator('button.pin-submit').click();
  await page.getByText('Mã PIN sai. Còn 2 lần').waitFor();
  await page.locator('button', { hasText: 'Hủy' }).click();
  await page.locator('button.start').waitFor();
  assert.equal(await page.locator('section p.main-text').first().getAttribute('lang'), 'ja');
  assert.deepEqual(errors, []);
  await context.close();
});

test('voice guidance speaks every screen in the chosen language and never the PIN', async () => {
  const { page, context, errors } = await voicedKiosk();
  await page.locator('button.lang-en').click();
  await page.locator('button.start').click();
  await screen(page, 'Pin { tries_left: 3, last_wrong: false }');
  await page.locator('input.pin').fill('9876');
  await page.locator('button.pin-submit').click();
  await page.getByText('Wrong PIN. 2 tries left').waitFor();
  await page.locator('input.pin').fill('1234');
  await page.locator('button.pin-submit').click();
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  await page.locator('button.voice-replay').click();
  await page.locator('button.remove-card').click();
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
  const said = await spoken(page);
  const texts = said.map((s) => s.text);
  for (const expected of [
    'Enter your 4-digit PIN for user authentication',
    'Wrong PIN. 2 tries left',
    'Choose a certificate',
    'Choose what to include and how many copies',
    'Issue this certificate?',
    'Preparing your certificate',
    'Please take your card. Your certificate comes out after you take it',
    'Please take your certificate',
  ]) {
    assert.ok(texts.includes(expected), `"${expected}" was not spoken: ${JSON.stringify(texts)}`);
  }
  assert.equal(texts.filter((t) => t.startsWith('Please take your card')).length, 2, 'the replay key says it again');
  assert.ok(said.filter((s) => s.text !== 'マイナンバーカードを置いてください').every((s) => s.lang === 'en-US'));
  assert.ok(texts.every((t) => !t.includes('9876') && !t.includes('1234')), 'the PIN is never spoken');
  // Voice off: nothing more is said.
  await page.locator('button.voice-toggle').click();
  const before = (await spoken(page)).length;
  await page.locator('button.done').click();
  await page.locator('button.start').waitFor();
  const after = await spoken(page);
  assert.ok(after.slice(before).every((s) => s.text === 'マイナンバーカードを置いてください'),
    'back at idle voice is on again for the next resident; nothing else was said while off');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a keypad alone carries a resident from the menu to the certificate', async () => {
  const { page, context, errors } = await kioskPage(browser);
  await page.locator('button.start').click();
  // The PIN field has the focus: digits and Enter.
  await page.locator('input.pin').waitFor();
  await page.keyboard.type('1234');
  await page.keyboard.press('Enter');
  await screen(page, 'Choose');
  // Once the menu has arrived the first certificate has the focus; the arrows move it.
  await page.waitForFunction(() => document.activeElement?.classList.contains('choice-juminhyo'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('choice-inkan')), true);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await screen(page, 'Options');
  // Escape goes back one step, Enter forward again.
  await page.keyboard.press('Escape');
  await screen(page, 'Choose');
  await page.waitForFunction(() => document.activeElement?.classList.contains('choice-juminhyo'));
  await page.keyboard.press('Enter');
  await screen(page, 'Options');
  await page.waitForFunction(() => document.activeElement?.classList.contains('next'));
  await page.keyboard.press('Enter');
  await screen(page, 'Confirm');
  await page.waitForFunction(() => document.activeElement?.classList.contains('confirm'));
  await page.keyboard.press('Enter');
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  await page.locator('button.remove-card').click();
  await page.locator('article.certificate').waitFor({ timeout: 10000 });
  // Visible focus: after a key press the focused control has an outline.
  await page.keyboard.press('ArrowDown');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  assert.deepEqual(errors, []);
  await context.close();
});

test('large text and high contrast modes', async () => {
  const { page, context, errors } = await kioskPage(browser);
  const size = () => page.locator('section p.main-text').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const normal = await size();
  await page.locator('button.large-text').click();
  assert.ok(await size() > normal * 1.2);
  await page.locator('button.high-contrast').click();
  const bg = await page.locator('main').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(bg, 'rgb(0, 0, 0)');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the remove-card reminder repeats, spoken and shown, until the card is out; then thank you', async () => {
  const { page, context, errors } = await voicedKiosk();
  await chooseWithCard(page, 1, 'juminhyo');
  await confirmUntilRemoveCard(page);
  await page.locator('.reminder[data-reminders="2"]').waitFor({ timeout: 25000 });
  const reminder = 'カードをお取りください。カードを取ると証明書が出てきます';
  assert.ok((await spoken(page)).filter((s) => s.text === reminder).length >= 3, 'said on arrival and twice more');
  await page.locator('button.remove-card').click();
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
  await page.locator('button.done').click();
  await page.getByText('ありがとうございました').waitFor();
  assert.ok((await spoken(page)).some((s) => s.text.startsWith('ありがとうございました')));
  await page.locator('button.start').waitFor({ timeout: 15000 });
  assert.deepEqual(errors, []);
  await context.close();
});
