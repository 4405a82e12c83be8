// The supervisor reads an incident's audit trail in the console: who opened and read the
// call, from where, and what came of it.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

await run('supervisor reads the audit trail', 90, async (browser) => {
  const calltaker = await apiAs('calltaker');
  const summary = `audit console test ${Date.now()}`;
  const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0188', summary });
  check(opened.status === 201, `the call-taker opens the call (${opened.status})`);
  const read = await calltaker('GET', `/incidents/${opened.body.id}`);
  check(read.status === 200, 'and reads it');

  const ctx = await context(browser);
  const page = await login(ctx, 'supervisor');
  const row = page.locator('nav button.item', { hasText: summary }).first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
  const card = page.locator('details[data-section="audit"]');
  await card.locator('summary').click();
  const table = card.locator('table.audit');
  await table.waitFor({ timeout: 10000 });
  const rows = await table.locator('tbody tr').allInnerTexts();
  const has = (what, outcome) => rows.some((r) => r.includes('Demo call taker') && r.includes(what) && r.includes(outcome));
  check(has('POST /api/v1/incidents', '201'), `the trail shows the call-taker opening it (${rows.length} rows)`);
  check(has('GET /api/v1/incidents/{id}', '200'), 'and reading it');
  check(rows.every((r) => r.includes('127.0.0.1')), 'each from the address it came from');
  checkClean(ctx, 'supervisor');
});
