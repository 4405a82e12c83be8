// Alerts that are noticed: the counselor turns alerts on (off by default, remembered for that
// user); a 911 call diverted to the center puts a marker in the top bar and the tab's title,
// chimes and — the tab in the background — raises a desktop notification; the marker stays
// until the call is accepted. The count is the server's: it is there after a reload too.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

const ANSWERS = { attempt_in_progress: false, medical: false, violence: false, crime: false, weapon: false, risk: 'low', welfare_entry: false, age_band: 'adult', requests_police: false, in_person: false, consent: true };

await run('alerts that are noticed', 90, async (browser) => {
  const ctx = await context(browser);
  // The desktop's notification centre, and the tab going to the background, as the page sees
  // them: what the console hands the browser is recorded.
  await ctx.addInitScript(() => {
    window.__notified = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.__notified.push({ title, ...options }); }
      close() {}
    };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__background === true });
  });
  const page = await login(ctx, 'counselor');
  const toggle = page.locator('[data-action="alert-sound"]');
  await toggle.waitFor();
  check(await toggle.getAttribute('aria-pressed') === 'false', 'alerts are off until the user turns them on');
  await toggle.click();
  check(await toggle.getAttribute('aria-pressed') === 'true', 'turned on');
  check(await page.evaluate(() => document.body.dataset.chimes) === '1', 'turning them on plays the chime once');
  const marker = page.locator('.needs-action');
  check(await marker.isHidden(), 'nothing waits yet');
  await page.evaluate(() => { window.__background = true; });

  const calltaker = await apiAs('calltaker');
  const summary = `alert test ${Date.now()}: caller wants to talk to someone`;
  const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0142', summary });
  check(opened.status === 201, `the call-taker opens a call (${opened.status})`);
  const id = opened.body.id;
  const triaged = await calltaker('POST', `/incidents/${id}/triage`, { answers: ANSWERS });
  check(triaged.status === 200, `triaged (${triaged.status})`);
  const diverted = await calltaker('POST', `/incidents/${id}/actions`, { action: 'divert_988' });
  check(diverted.status === 200, `diverted to 988 (${diverted.status})`);

  await marker.filter({ hasText: 'waiting for action' }).waitFor({ timeout: 10000 });
  check(/^\(\d+\) /.test(await page.title()), `the tab's title counts it (${await page.title()})`);
  check(Number(await page.evaluate(() => document.body.dataset.chimes)) >= 2, 'the offer chimes');
  const notified = await page.evaluate(() => window.__notified);
  check(notified.some((n) => n.body.includes(summary) && n.tag === id), 'and, in the background, notifies');

  // The marker stays until someone acts; the count comes from the server after a reload.
  await page.reload();
  await page.locator('.needs-action').filter({ hasText: 'waiting for action' }).waitFor({ timeout: 10000 });
  check(await page.locator('[data-action="alert-sound"]').getAttribute('aria-pressed') === 'true', 'the choice is remembered');
  const counselor = await apiAs('counselor');
  const accepted = await counselor('POST', `/incidents/${id}/actions`, { action: 'accept_transfer' });
  check(accepted.status === 200, `the counselor accepts (${accepted.status})`);
  await page.waitForFunction((sid) => !document.title.includes('(') || !document.querySelector('.needs-action')?.title.includes(sid), summary, { timeout: 10000 });
  const title = await page.locator('.needs-action').getAttribute('title');
  check(!(title ?? '').includes(summary), 'once accepted, it no longer waits');
  checkClean(ctx, 'counselor');

  // Another user of the same browser starts with alerts off.
  const other = await context(browser);
  const taker = await login(other, 'calltaker');
  await taker.locator('[data-action="alert-sound"]').waitFor();
  check(await taker.locator('[data-action="alert-sound"]').getAttribute('aria-pressed') === 'false', 'per user: the call-taker\'s are off');
  checkClean(other, 'calltaker');
});
