// The 2023 incidents, on purpose: a municipal server that answers with another
// transaction's sealed document, or with a validly signed document bound to another
// transaction. The kiosk must refuse before anything is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, kioskPage, chooseWithCard, confirmAndTake, confirmAndExpectRefusal } from './support/kiosk.mjs';

const BROKEN = process.env.KOFU_BROKEN_MUNICIPAL_URL;
assert.ok(BROKEN, 'run with `cargo xtask test`');

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await setMode('honest');
  await browser?.close();
});

async function setMode(mode) {
  const response = await fetch(`${BROKEN}/_mode`, { method: 'POST', body: mode });
  assert.equal(response.status, 200);
}

/// An honest issuance to 千代田区's card holder: the broken server remembers it.
async function honestIssuance() {
  await setMode('honest');
  const kiosk = await kioskPage(browser);
  await chooseWithCard(kiosk.page, 9, 'juminhyo');
  await confirmAndTake(kiosk.page);
  await kiosk.context.close();
}

for (const [mode, what] of [
  ['replay', "the previous transaction's sealed document"],
  ['misbind', 'a validly signed document bound to the previous transaction'],
]) {
  test(`${what} is refused and never printed`, async () => {
    await honestIssuance();
    await setMode(mode);
    const { page, context, edgeRequests, errors } = await kioskPage(browser);
    let printCalls = 0;
    await page.exposeFunction('__countPrint', () => { printCalls += 1; });
    await page.evaluate(() => { const print = window.print.bind(window); window.print = () => { window.__countPrint(); print(); }; });
    await chooseWithCard(page, 9, 'juminhyo');
    const error = await confirmAndExpectRefusal(page);
    assert.equal(await error.getAttribute('data-failure'), 'DocumentRejected');
    await page.getByText('印刷しませんでした').waitFor();
    await page.getByText('You have not been charged').waitFor();
    assert.equal(await page.locator('article.certificate').count(), 0);
    assert.equal(await page.getByText('前の利用者').count(), 0);
    assert.equal(await page.getByText('石川').count(), 0, "nobody's data is on screen");
    assert.equal(printCalls, 0, 'window.print was never called');
    assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/issue')).length, 1);
    assert.equal(edgeRequests.filter((u) => u.endsWith('/v1/outcome')).length, 0);
    assert.deepEqual(errors, []);
    await context.close();
    await setMode('honest');
  });
}
