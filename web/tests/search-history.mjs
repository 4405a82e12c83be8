// Search, history and printing in the console: a call-taker finds a closed incident by a word of its
// summary, pages through thirty matches 25 at a time (Older, then Newer back), opens a result
// in full and prints it, is told what to fix for a search that cannot run; the supervisor searches from its
// own tab and its CSV link downloads the same matches.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

await run('search and history', 90, async (browser) => {
  // A word no other test uses, so the matches are these alone.
  const word = `zq${Date.now().toString(36)}`;
  const calltaker = await apiAs('calltaker');
  const ids = [];
  for (let n = 0; n < 30; n += 1) {
    const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0142', summary: `${word} caller number ${n}` });
    check(opened.status === 201, `call ${n} opened (${opened.status})`);
    ids.push(opened.body.id);
  }
  const closed = ids[0];
  const close = await calltaker('POST', `/incidents/${closed}/actions`, { action: 'close', disposition: 'referred', remark: 'search test' });
  check(close.status === 200, `the oldest is closed (${close.status})`);

  const ctx = await context(browser);
  const page = await login(ctx, 'calltaker');
  await page.getByRole('button', { name: 'Search' }).click();
  const panel = page.getByRole('region', { name: 'Search incidents' });
  await panel.getByRole('searchbox').fill(word);
  await panel.getByRole('button', { name: 'Search', exact: true }).click();
  const rows = panel.locator('tbody tr[data-incident]');
  await page.waitForFunction(() => document.querySelectorAll('.search-table tbody tr').length === 25, null, { timeout: 10000 });
  const first = await rows.evaluateAll((r) => r.map((e) => e.dataset.incident));
  check(JSON.stringify(first) === JSON.stringify([...ids].reverse().slice(0, 25)), 'page 1: the 25 newest, newest first');
  await panel.getByRole('button', { name: 'Older ›' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.search-table tbody tr').length === 5, null, { timeout: 10000 });
  const second = await rows.evaluateAll((r) => r.map((e) => e.dataset.incident));
  check(JSON.stringify(second) === JSON.stringify([...ids].reverse().slice(25)), 'page 2: the 5 oldest, the closed one last');
  check(await panel.getByRole('button', { name: 'Older ›' }).isHidden(), 'no page after the last');
  check((await panel.locator(`tr[data-incident="${closed}"]`).textContent()).includes('Referred'), 'the closed one shows its outcome');
  await panel.getByRole('button', { name: '‹ Newer' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.search-table tbody tr').length === 25, null, { timeout: 10000 });
  check(await panel.getByRole('button', { name: '‹ Newer' }).isHidden(), 'back on the first page');

  // Opening a result shows the incident in full, closed or not.
  await panel.getByRole('button', { name: 'Older ›' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.search-table tbody tr').length === 5, null, { timeout: 10000 });
  await panel.locator(`tr[data-incident="${closed}"] button`).click();
  // The incident's own card (the results list its summary too).
  await page.locator(`section[aria-label="Incident"][data-incident="${closed}"]`).waitFor({ timeout: 10000 });
  check(await page.getByRole('region', { name: 'Search incidents' }).count() === 0, 'the incident replaces the results');

  // Printed, the incident stands alone: no sidebar, no buttons, a confidentiality line on top.
  await page.emulateMedia({ media: 'print' });
  check(await page.locator('nav.sidebar').isHidden(), 'printing hides the sidebar');
  check(await page.locator('[data-action="print"]').isHidden(), 'and the buttons');
  check(await page.locator('.print-header').isVisible(), 'and shows the confidentiality line');
  check(await page.getByText(`${word} caller number 0`).first().isVisible(), 'with the incident');
  const pdf = await page.pdf({ format: 'Letter' });
  check(pdf.length > 2000 && pdf.subarray(0, 5).toString() === '%PDF-', `it prints to PDF (${pdf.length} bytes)`);
  await page.emulateMedia({ media: 'screen' });
  check(await page.locator('[data-action="print"]').isVisible(), 'on screen the Print button is back');

  // A search the server cannot run says what to fix; the results come back with the button.
  await page.getByRole('button', { name: 'Search' }).first().click();
  check(await panel.locator('tbody tr').count() === 5, 'the search is still there when it comes back');
  await panel.getByRole('searchbox').fill('!!!');
  await panel.getByRole('button', { name: 'Search', exact: true }).click();
  await panel.getByRole('alert').filter({ hasText: 'at least one word' }).waitFor({ timeout: 10000 });
  checkClean(ctx, 'calltaker');

  // The supervisor: its own tab, and the CSV of the same matches.
  const sctx = await context(browser);
  const sup = await login(sctx, 'supervisor');
  await sup.getByRole('tab', { name: 'Search' }).click();
  const spanel = sup.getByRole('region', { name: 'Search incidents' });
  await spanel.getByRole('searchbox').fill(word);
  await spanel.locator('select[name=status]').selectOption('closed');
  await spanel.getByRole('button', { name: 'Search', exact: true }).click();
  await sup.waitForFunction(() => document.querySelectorAll('.search-table tbody tr').length === 1, null, { timeout: 10000 });
  const href = await spanel.locator('a[download="incidents.csv"]').getAttribute('href');
  const csv = await sup.evaluate(async (url) => (await fetch(url)).text(), href);
  const lines = csv.trim().split(/\r?\n/);
  check(lines.length === 2 && lines[1].startsWith(closed), `the CSV holds the one closed match (${lines.length - 1} rows)`);
  await spanel.locator(`tr[data-incident="${closed}"] button`).click();
  await sup.locator(`section[aria-label="Incident"][data-incident="${closed}"]`).waitFor({ timeout: 10000 });
  checkClean(sctx, 'supervisor');
});
