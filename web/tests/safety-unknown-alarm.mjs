// End-to-end, the safety gate as people meet it in the console:
// - the call-taker answers "the caller cannot say" with U; the decision is the protective one
//   and says which unknown answer made it so;
// - a supervisor overrides a police decision with a reason, and the call-taker sees the
//   override on the incident;
// - a transfer nobody takes leaves an alarm at the top of the call-taker's and the
//   supervisor's console, with the time passing, until the call-taker says what was done.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

// A weapon nobody can rule out, at low risk: co-response (an officer with a clinician).
const ANSWER = { attempt_in_progress: 'n', medical: 'n', violence: 'n', crime: 'n', weapon: 'u', risk: '1' };

await run('unknown answers, overrides and alarms', 150, async (browser) => {
  const callTakerCtx = await context(browser);
  const callTaker = await login(callTakerCtx, 'calltaker');
  const supervisorCtx = await context(browser);
  const supervisor = await login(supervisorCtx, 'supervisor');

  // 1. Unknown is an answer: key U.
  const summary = `unknown test ${Date.now()}: caller cannot see whether he has a gun`;
  await callTaker.keyboard.press('Escape');
  await callTaker.getByLabel('What the caller says').fill(summary);
  await callTaker.getByLabel('Latitude').fill('38.9717');
  await callTaker.getByLabel('Longitude').fill('-95.2353');
  await callTaker.getByLabel('What the caller says').press('Control+Enter');
  const asked = [];
  for (;;) {
    const next = await Promise.race([
      callTaker.waitForSelector('.question[data-question]', { timeout: 10000 }).then((el) => el.getAttribute('data-question')),
      callTaker.waitForSelector('.decision', { timeout: 10000 }).then(() => null),
    ]);
    if (next === null) break;
    if (asked.at(-1) === next) {
      await callTaker.waitForTimeout(50);
      continue;
    }
    check(next in ANSWER, `the protocol asks ${next}`);
    check(await callTaker.locator(`.question[data-question="${next}"] button[data-answer="unknown"]`).count() === 1, `${next} offers "unknown" (U)`);
    asked.push(next);
    await callTaker.keyboard.press(ANSWER[next]);
    await callTaker.waitForFunction((q) => document.querySelector('.question')?.dataset.question !== q, next, { timeout: 10000 });
  }
  const decision = callTaker.locator('.decision');
  check((await decision.getAttribute('data-outcome')) === 'co_response', 'an unknown weapon brings an officer: co-response');
  const unknowns = decision.locator('.unknowns');
  await unknowns.waitFor({ timeout: 10000 });
  check((await unknowns.getAttribute('data-unknowns')) === 'weapon', 'the decision names the unknown answer it rests on');
  await callTaker.screenshot({ path: '/tmp/cb-unknown.png' });

  // 2. A supervisor overrides it to 988, with a reason; the call-taker sees it on the incident.
  const row = supervisor.locator('nav button.item', { hasText: summary }).first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
  const override = supervisor.locator('details[data-section="override"]');
  await override.locator('summary').click();
  await override.getByLabel('Send to').selectOption('988');
  await override.locator('[data-action="override"]').click();
  await override.getByText('Write why').waitFor({ timeout: 5000 });
  check(true, 'an override without a reason is refused in place');
  const reason = 'caller reached the brother: no gun in the house; he agrees to talk to 988';
  await override.getByLabel('Why').fill(reason);
  await override.locator('[data-action="override"]').click();

  await callTaker.locator('[data-section="overrides"]', { hasText: reason }).waitFor({ timeout: 10000 });
  check(true, 'the call-taker sees the override and its reason live');
  await callTaker.locator('[data-action="divert_988"]').waitFor({ timeout: 10000 });
  check(true, 'and may now transfer the call to 988');

  // 3. An alarm that stays until someone acts: an offer nobody answers within a second.
  const api = await apiAs('calltaker');
  const agencies = (await api('GET', '/agencies')).body;
  const neighbour = agencies.find((a) => a.code === 'psap-20091');
  const alarmed = `alarm test ${Date.now()}: neighbour PSAP does not answer`;
  const opened = await api('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, summary: alarmed });
  check(opened.status === 201, 'a second call is opened');
  const offered = await api('POST', `/incidents/${opened.body.id}/actions`, { action: 'offer_transfer', to_agency: neighbour.id, reason: 'wrong county', deadline_seconds: 1 });
  check(offered.status === 200, `it is offered to ${neighbour.name} for one second (${offered.status})`);
  const banner = callTaker.locator(`.alarms [data-alarm="transfer_returned"][data-incident="${opened.body.id}"]`);
  await banner.waitFor({ timeout: 15000 });
  check(/without an answer/.test(await banner.innerText()), 'the call-taker\'s console shows the alarm with the time passing');
  const supervisorBanner = supervisor.locator(`.alarms [data-incident="${opened.body.id}"]`);
  await supervisorBanner.waitFor({ timeout: 15000 });
  check(true, 'so does the supervisor\'s');
  await callTaker.screenshot({ path: '/tmp/cb-alarm.png' });
  const closed = await api('POST', `/incidents/${opened.body.id}/actions`, { action: 'close', disposition: 'no_contact' });
  check(closed.status === 409 && closed.body.error.message.includes('resolve it'), 'the call cannot be closed while the alarm is up');
  await banner.getByLabel('What was done').fill('called the neighbouring PSAP on its 10-digit line; they took it');
  await banner.locator('[data-action="resolve-alarm"]').click();
  await banner.waitFor({ state: 'detached', timeout: 10000 });
  await supervisorBanner.waitFor({ state: 'detached', timeout: 10000 });
  check(true, 'recording what was done clears the alarm on both consoles, live');

  checkClean(callTakerCtx, 'call-taker');
  checkClean(supervisorCtx, 'supervisor');
});
