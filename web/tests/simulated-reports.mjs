// End-to-end: a supervisor's Reports view with a simulated scenario beside the real period —
// the JSON `crisisbridge simulate --scenario … --json` wrote (CB_SIMULATION, made by the test
// before this runs). Measures with the same definition get the simulated figure in their row;
// the rest are listed apart; a file that is not a simulation is refused, saying why.

import { readFileSync } from 'node:fs';
import { run, context, login, check, checkClean } from './browser.mjs';

const pct = (e) => `${(e.mean * 100).toFixed(1)} % ± ${(e.half_width * 100).toFixed(1)}`;

await run('supervisor compares a simulation with the real period', 90, async (browser) => {
  const text = readFileSync(process.env.CB_SIMULATION, 'utf8');
  const sim = JSON.parse(text);
  const ctx = await context(browser);
  const page = await login(ctx, 'supervisor');
  await page.getByRole('tab', { name: 'Reports' }).click();
  const all = page.locator('section.reports .report-group[data-group="all"] table.measures');
  await all.waitFor({ timeout: 15000 });
  await page.getByLabel('Compare with a simulation (JSON)').setInputFiles({ name: 'sim.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await page.getByText(`Beside: ${sim.scenario}: ${sim.replications} replications of ${sim.days} days, seed ${sim.seed}. The simulated column is beside Everything.`).waitFor({ timeout: 10000 });
  const header = await all.locator('thead th').last().textContent();
  check(header === `Simulated: ${sim.scenario}`, `the table has a simulated column ("${header}")`);
  const cell = (id) => all.locator(`tr[data-measure="${id}"] td.simulated`).textContent();
  const d = sim.summary.dispatch_to_on_scene;
  for (const [id, want] of [
    ['mobile.on_scene_within_1h', pct(d.within_1h)],
    ['mobile.on_scene_within_2h', pct(d.within_2h)],
    ['contacts.answered_within_20s', `988 line: ${pct(sim.line988.answered_within_target)}`],
    ['contacts.abandoned', `988 line: ${pct(sim.line988.abandoned)}`],
  ]) {
    const got = await cell(id);
    check(got === want, `${id}: the simulated ${want} beside the real figure (shows "${got}")`);
  }
  // For looking at: CB_SHOT=path.png saves the view with the comparison.
  if (process.env.CB_SHOT) await all.screenshot({ path: process.env.CB_SHOT });
  const none = await cell('contacts.total');
  check(none === '—', `a measure the scenario does not simulate says so ("${none}")`);
  const apart = page.getByRole('region', { name: 'Simulated only' });
  const utilisation = await apart.locator('tr', { hasText: 'Team utilisation' }).locator('td').textContent();
  check(utilisation === pct(sim.summary.utilisation), `utilisation is listed apart (${utilisation})`);

  await page.getByLabel('Compare with a simulation (JSON)').setInputFiles({ name: 'plan.json', mimeType: 'application/json', buffer: Buffer.from('{"posts": []}') });
  await page.getByText('plan.json: no simulated summary in it').waitFor({ timeout: 10000 });
  check(await cell('mobile.on_scene_within_1h') === pct(d.within_1h), 'the refused file left the comparison as it was');
  // Shown again (the report redrawn), the comparison stays with it.
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await all.locator('td.simulated').first().waitFor({ timeout: 10000 });
  check(await cell('contacts.abandoned') === `988 line: ${pct(sim.line988.abandoned)}`, 'the comparison stays when the report is shown again');

  // A county's simulation carries the outcome report's own measures over its simulated
  // incidents: each in its row, every kind in its unit; each 988 center's figures apart.
  const countyText = readFileSync(process.env.CB_COUNTY_SIMULATION, 'utf8');
  const county = JSON.parse(countyText);
  await page.getByLabel('Compare with a simulation (JSON)').setInputFiles({ name: 'county.json', mimeType: 'application/json', buffer: Buffer.from(countyText) });
  const countyHeader = all.locator('thead th').last();
  await page.waitForFunction((name) => [...document.querySelectorAll('section.reports .report-group[data-group="all"] table.measures thead th')].some((th) => th.textContent === `Simulated: ${name}`), county.scenario, { timeout: 10000 });
  check(await countyHeader.textContent() === `Simulated: ${county.scenario}`, 'the county simulation replaced the column');
  const m = (id) => county.county.measures.find((x) => x.id === id).estimate;
  const fixed = (e, d, unit) => `${e.mean.toFixed(d)}${unit} ± ${e.half_width.toFixed(d)}`;
  for (const [id, want] of [
    ['contacts.911', fixed(m('contacts.911'), 0, '')],
    ['diversion.decided_988', fixed(m('diversion.decided_988'), 1, ' %')],
    ['contacts.rolled_over', fixed(m('contacts.rolled_over'), 1, ' %')],
    ['mobile.dispatch_to_on_scene', `p50 ${fixed(m('mobile.dispatch_to_on_scene.p50'), 1, ' min')}, p90 ${fixed(m('mobile.dispatch_to_on_scene.p90'), 1, ' min')}`],
  ]) {
    const got = await cell(id);
    check(got === want, `${id}: the outcome report's code over the simulated incidents, ${want} (shows "${got}")`);
  }
  const answered = await apart.locator('tr', { hasText: '988-lower: contacts answered here' }).locator('td').textContent();
  check(answered === fixed(m('center.988-lower.answered'), 0, ''), `a center's figures are listed apart (${answered})`);
  if (process.env.CB_SHOT_COUNTY) await page.locator('section.reports').screenshot({ path: process.env.CB_SHOT_COUNTY });
  checkClean(ctx, 'supervisor');
});
