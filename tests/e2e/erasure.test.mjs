// Nothing left behind: no personal data in any browser storage at any time, and after the
// transaction neither the JavaScript heap (a DevTools heap snapshot) nor the app's wasm
// memory holds the resident's name, reading or address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, APP } from './support/kiosk.mjs';

assert.ok(APP, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PERSONAL = ['木下 花子', 'きのした はなこ', '千葉県印西市大森二丁目3番地5', '1985-04-12'];

async function storage(page) {
  return page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    cookies: document.cookie,
    indexedDb: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
  }));
}
const EMPTY = { local: 0, session: 0, cookies: '', indexedDb: 0, caches: 0 };

// V8 writes non-ASCII characters of a snapshot's strings as \uXXXX escapes.
const escaped = (text) => [...text].map((c) => {
  const code = c.charCodeAt(0);
  return code < 128 ? c : `\\u${code.toString(16).padStart(4, '0')}`;
}).join('');
const holds = (snapshot, text) => snapshot.includes(text) || snapshot.includes(escaped(text));

async function heapSnapshot(page) {
  const cdp = await page.context().newCDPSession(page);
  const chunks = [];
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await cdp.detach();
  return chunks.join('');
}

/// Which of `needles` the wasm linear memory still holds, as UTF-8.
function inWasmMemory(page, needles) {
  return page.evaluate((needles) => {
    const memory = new Uint8Array(window.__kofuWasm.memory.buffer);
    const found = [];
    for (const needle of needles) {
      const bytes = new TextEncoder().encode(needle);
      outer: for (let i = 0; i + bytes.length <= memory.length; i++) {
        if (memory[i] !== bytes[0]) continue;
        for (let j = 1; j < bytes.length; j++) if (memory[i + j] !== bytes[j]) continue outer;
        found.push(needle);
        break;
      }
    }
    return found;
  }, needles);
}

test('after an issuance the kiosk keeps nothing of the resident', async () => {
  const context = await browser.newContext({ locale: 'ja-JP' });
  await context.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__kofuWasm = e.detail.wasm; });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(APP);
  await page.locator('button.start').click();
  await page.locator('input.pin').fill('1234');
  await page.locator('button.pin-submit').click();
  await page.locator('button.choice-juminhyo').click();
  await page.locator('button.scope-household').click();
  await page.locator('button.next').click();
  await page.locator('button.confirm').click();
  await page.locator('button.remove-card').waitFor({ timeout: 30000 });
  await page.locator('button.remove-card').click();
  await page.locator('.print-status[data-state="Printed"]').waitFor({ timeout: 10000 });
  // While the certificate is on screen: shown, but stored nowhere.
  assert.equal(await page.locator('.certificate .name').first().textContent(), '木下 花子');
  assert.deepEqual(await storage(page), EMPTY);
  // The memory scan does see it while it is shown (so its silence later means something).
  assert.deepEqual(await inWasmMemory(page, ['木下 花子']), ['木下 花子']);

  await page.locator('button.done').click();
  await page.locator('button.start').waitFor();
  // Let the reactive system drop the certificate's views.
  await page.waitForTimeout(500);
  assert.deepEqual(await storage(page), EMPTY);
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  const snapshot = await heapSnapshot(page);
  for (const needle of PERSONAL) {
    assert.ok(!holds(snapshot, needle), `the JS heap still holds "${needle}"`);
    assert.ok(!html.includes(needle), `the page still shows "${needle}"`);
  }
  assert.deepEqual(await inWasmMemory(page, PERSONAL), [], 'the wasm memory still holds personal data');
  assert.deepEqual(errors, []);
  await context.close();
});
