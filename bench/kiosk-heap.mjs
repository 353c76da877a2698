// The kiosk runs all day: memory after 100 issuances in a row, against the first, and the two
// waits a resident feels on each (confirm → the remove-card screen; card out → the print
// dialog). Drives the dev build (virtual card) in headless Chromium through the bench stack;
// prints Markdown.
// Run by `cargo xtask bench` with KOFU_APP_URL set. Nothing here asserts: it reports.
import { launch, chooseWithCard, confirmAndTake } from '../tests/e2e/support/kiosk.mjs';

const APP = process.env.KOFU_APP_URL;
const ROUNDS = Number(process.env.KOFU_HEAP_ROUNDS || 100);
if (!APP) throw new Error('run with `cargo xtask bench`');

const browser = await launch();
const context = await browser.newContext({ locale: 'ja-JP' });
await context.addInitScript(() => {
  addEventListener('TrunkApplicationStarted', (e) => { window.__kofuWasm = e.detail.wasm; });
  // No print job in headless runs: the app's report of the outcome still goes out. The
  // moment the print dialog would open is recorded, and so are the two clicks and the
  // remove-card screen appearing, all on the page's own clock.
  const marks = (window.__kofuMarks = {});
  window.print = () => { marks.print = performance.now(); };
  addEventListener('click', (e) => {
    if (e.target.closest('button.confirm')) marks.confirm = performance.now();
    if (e.target.closest('button.remove-card')) marks.cardOut = performance.now();
  }, true);
  new MutationObserver(() => {
    if (marks.confirm && !marks.removeShown && document.querySelector('section.remove')) marks.removeShown = performance.now();
  }).observe(document, { subtree: true, childList: true });
});
const page = await context.newPage();
await page.goto(APP);
await page.locator('button.start').waitFor();
const cdp = await context.newCDPSession(page);

const latencies = { confirm: [], print: [] };

async function issuance() {
  await page.evaluate(() => { for (const k of Object.keys(window.__kofuMarks)) delete window.__kofuMarks[k]; });
  await chooseWithCard(page, 1, 'juminhyo');
  await confirmAndTake(page);
  const m = await page.evaluate(() => window.__kofuMarks);
  latencies.confirm.push(m.removeShown - m.confirm);
  latencies.print.push(m.print - m.cardOut);
  await page.locator('button.done').click();
  await page.locator('section.thank-you button').click();
  await page.locator('button.start').waitFor();
}

async function memory() {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => window.__kofuWasm.memory.buffer.byteLength);
  return { js: usedSize, wasm };
}

await issuance(); // warm-up: first-use allocations are not growth
const before = await memory();
const started = Date.now();
for (let i = 0; i < ROUNDS; i++) await issuance();
const seconds = (Date.now() - started) / 1000;
const after = await memory();
await browser.close();

const mb = (bytes) => (bytes / 1048576).toFixed(2);
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const ms = (values, q) => `${quantile(values, q).toFixed(0)} ms`;
console.log('## Kiosk latencies\n');
console.log(`Over the same ${ROUNDS + 1} issuances, in the page's own clock (dev build, virtual card in wasm, the bench stack`);
console.log('through `wrangler dev`). Goal: ≤ 300 ms each.\n');
console.log('| wait | p50 | p90 | max |\n|---|---|---|---|');
console.log(`| confirm → remove-card screen (card signs, center verifies, municipality issues, document checked) | ${ms(latencies.confirm, 0.5)} | ${ms(latencies.confirm, 0.9)} | ${ms(latencies.confirm, 1)} |`);
console.log(`| card out → print dialog | ${ms(latencies.print, 0.5)} | ${ms(latencies.print, 0.9)} | ${ms(latencies.print, 1)} |\n`);
const growth = after.js + after.wasm - (before.js + before.wasm);
console.log('## Kiosk app memory over a day\n');
console.log(`${ROUNDS} issuances in a row with the virtual card in headless Chromium (${seconds.toFixed(0)} s), after one`);
console.log('warm-up issuance, garbage collected before each reading. Wasm memory never shrinks; its size is');
console.log('what the app ever needed at once. Budget: grows ≤ 1 MB.\n');
console.log('| | JS heap used | wasm memory | total |\n|---|---|---|---|');
console.log(`| after 1 | ${mb(before.js)} MB | ${mb(before.wasm)} MB | ${mb(before.js + before.wasm)} MB |`);
console.log(`| after ${ROUNDS + 1} | ${mb(after.js)} MB | ${mb(after.wasm)} MB | ${mb(after.js + after.wasm)} MB |`);
console.log(`| growth | | | **${mb(growth)} MB** (${growth <= 1048576 ? 'within' : 'over'} budget) |\n`);
