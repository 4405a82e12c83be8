// The supervisor's Reports view: the outcome measures of the agency for a period, every number
// the same as the API's, regrouped by channel, and the same report downloaded as CSV.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

await run('supervisor reads the outcome measures', 90, async (browser) => {
  const calltaker = await apiAs('calltaker');
  for (const summary of ['reports test one', 'reports test two']) {
    const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0177', summary });
    check(opened.status === 201, `the call-taker opens a call (${opened.status})`);
  }

  const ctx = await context(browser);
  const page = await login(ctx, 'supervisor');
  await page.getByRole('tab', { name: 'Reports' }).click();
  const table = page.locator('section.reports table.measures').first();
  await table.waitFor({ timeout: 15000 });
  const from = await page.locator('section.reports input[name=from]').inputValue();
  const to = await page.locator('section.reports input[name=to]').inputValue();

  // Every row says what the API says.
  const supervisor = await apiAs('supervisor');
  const api = await supervisor('GET', `/reports/measures?from=${from}&to=${to}&by=all`);
  check(api.status === 200, `the API answers the same period (${api.status})`);
  const measures = api.body.groups[0].measures;
  const total = measures.find((m) => m.id === 'contacts.total').count;
  check(total >= 2, `the two calls count (${total} contacts)`);
  const shown = await page.locator('section.reports tr[data-measure]').evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.measure, r.querySelector('td').textContent])));
  check(Object.keys(shown).length === measures.length, `every measure is shown (${Object.keys(shown).length} of ${measures.length})`);
  check(shown['contacts.total'] === String(total), `contacts: ${shown['contacts.total']}`);
  const repeat = measures.find((m) => m.id === 'repeat.within_7_days');
  check(shown['repeat.within_7_days'].startsWith(`${repeat.part} of ${repeat.of}`), `repeat contacts: ${shown['repeat.within_7_days']}`);
  check(shown['contacts.abandoned'] === 'not measured', 'answer times say they are not measured');
  check(await page.getByText('Not measured: needs the phone system').count() === 1, 'and why, once');

  // Regrouped by channel.
  await page.locator('section.reports select[name=by]').selectOption('channel');
  await page.locator('section.reports').getByRole('button', { name: 'Show', exact: true }).click();
  await page.locator('section.reports .report-group[data-group="911"]').waitFor({ timeout: 15000 });
  const byChannel = await supervisor('GET', `/reports/measures?from=${from}&to=${to}&by=channel`);
  const groups = await page.locator('section.reports .report-group').evaluateAll((g) => g.map((e) => e.dataset.group));
  check(JSON.stringify(groups) === JSON.stringify(byChannel.body.groups.map((g) => g.key)), `groups ${groups.join(', ')}`);

  // The CSV link downloads the same report.
  const href = await page.locator('section.reports a[download]').getAttribute('href');
  check(href.includes('format=csv') && href.includes('by=channel'), `the CSV link asks for it (${href})`);
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  check(csv.startsWith('group,measure,kind,count,of,rate,'), 'the CSV has its header');
  check(csv.includes(`911,contacts.911,count,${byChannel.body.groups.find((g) => g.key === '911').measures.find((m) => m.id === 'contacts.911').count},`), 'and the same 911 count');
  if (process.env.CB_SCREENSHOT) await page.screenshot({ path: process.env.CB_SCREENSHOT, fullPage: true });
  checkClean(ctx, 'supervisor');
});
