// The supervisor's Reports view: the outcome measures of the agency for a period, every number
// the same as the API's, regrouped by channel, and the same report downloaded as CSV. A call the
// call-taker records in the console's phone panel (ringing, then answered) gives the answer
// times.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

await run('supervisor reads the outcome measures', 90, async (browser) => {
  const calltaker = await apiAs('calltaker');
  for (const summary of ['reports test one', 'reports test two']) {
    const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0177', summary });
    check(opened.status === 201, `the call-taker opens a call (${opened.status})`);
  }

  // The call-taker's phone panel: a call rings, then is answered.
  const takerCtx = await context(browser);
  const taker = await login(takerCtx, 'calltaker');
  const phone = taker.getByRole('region', { name: 'Phone' });
  await phone.getByRole('button', { name: 'Ringing' }).click();
  await phone.getByText('Ringing since').waitFor({ timeout: 10000 });
  await phone.getByRole('button', { name: 'Answered' }).click();
  await phone.getByText('Last call: answered after').waitFor({ timeout: 10000 });
  check(await phone.getByRole('button', { name: 'Ringing' }).count() === 1, 'the panel is ready for the next call');
  checkClean(takerCtx, 'calltaker');

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
  const within = measures.find((m) => m.id === 'contacts.answered_within_15s');
  check(within.kind === 'share' && within.of >= 1, `the console's call is measured (${JSON.stringify(within)})`);
  check(shown['contacts.answered_within_15s'].startsWith(`${within.part} of ${within.of}`), `answered within 15 s: ${shown['contacts.answered_within_15s']}`);
  const arrived = measures.find((m) => m.id === 'contacts.arrived').count;
  check(shown['contacts.arrived'] === String(arrived), `calls arrived: ${shown['contacts.arrived']}`);

  // The four charts, drawn by the server, loaded as images with their titles.
  const charts = page.locator('section.reports figure.report-chart img');
  check(await charts.count() === 4, `four charts (${await charts.count()})`);
  await page.waitForFunction(() => [...document.querySelectorAll('section.reports figure.report-chart img')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 15000 });
  const svgOf = async (name) => decodeURIComponent((await page.locator(`figure[data-chart="${name}"] img`).getAttribute('src')).split(',')[1]);
  const funnelSvg = await svgOf('funnel');
  const calls911 = measures.find((m) => m.id === 'diversion.triaged').of;
  check(funnelSvg.includes('<title>Diversion of 911 calls</title>') && funnelSvg.includes(` ${calls911} (100.0%)`), `the funnel starts at the ${calls911} calls of the table`);
  const answerSvg = await svgOf('answer-times');
  check(answerSvg.includes('target 15 s'), 'the answer-time chart draws its target');
  const htmlHref = await page.locator('section.reports a[download="measures.html"]').getAttribute('href');
  const html = await page.evaluate(async (url) => (await fetch(url)).text(), htmlHref);
  check(html.startsWith('<!DOCTYPE html>') && (html.match(/<svg/g) || []).length === 4, 'the HTML report holds the four charts');

  // Regrouped by channel.
  await page.locator('section.reports select[name=by]').selectOption('channel');
  await page.locator('section.reports').getByRole('button', { name: 'Show', exact: true }).click();
  await page.locator('section.reports .report-group[data-group="911"]').waitFor({ timeout: 15000 });
  const byChannel = await supervisor('GET', `/reports/measures?from=${from}&to=${to}&by=channel`);
  const groups = await page.locator('section.reports .report-group').evaluateAll((g) => g.map((e) => e.dataset.group));
  check(JSON.stringify(groups) === JSON.stringify(byChannel.body.groups.map((g) => g.key)), `groups ${groups.join(', ')}`);

  // The CSV link downloads the same report.
  const href = await page.locator('section.reports a[download="measures.csv"]').getAttribute('href');
  check(href.includes('format=csv') && href.includes('by=channel'), `the CSV link asks for it (${href})`);
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  check(csv.startsWith('group,measure,kind,count,of,rate,'), 'the CSV has its header');
  check(csv.includes(`911,contacts.911,count,${byChannel.body.groups.find((g) => g.key === '911').measures.find((m) => m.id === 'contacts.911').count},`), 'and the same 911 count');

  // Live: the period includes today, so a new call shows up without pressing Show.
  const cell = page.locator('section.reports .report-group[data-group="911"] tr[data-measure="contacts.911"] td');
  const before = Number(await cell.textContent());
  const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, summary: 'reports live' });
  check(opened.status === 201, 'another call is opened');
  await page.waitForFunction((n) => Number(document.querySelector('section.reports .report-group[data-group="911"] tr[data-measure="contacts.911"] td')?.textContent) === n, before + 1, { timeout: 15000 });
  check(true, `the report follows the live stream (${before} → ${before + 1} 911 contacts)`);
  check(await page.getByText("today's events update it as they happen").count() === 1, 'and says it does');
  if (process.env.CB_SCREENSHOT) await page.screenshot({ path: process.env.CB_SCREENSHOT, fullPage: true });
  checkClean(ctx, 'supervisor');
});
