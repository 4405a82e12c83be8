// The 988 side, end to end: a counselor opens a contact, answers the risk assessment one
// question at a time to imminent risk, hands off to 911; the call-taker of the PSAP serving
// the person's location sees the handoff offered live and accepts it; the counselor then
// records the mandatory follow-up, and only then may close the contact.

import { run, context, login, check, checkClean, sameDocument } from './browser.mjs';

// Desire, intent and means, and the person will not work on staying safe.
const ANSWER = { attempt_in_progress: 'n', desire: 'y', intent: 'y', lethal_means: 'y', attempt_history: 'n', acute_state: 'n', collaborates: 'n', supports: 'n', in_person: 'n' };

await run('counselor hands off to 911 and confirms', 120, async (browser) => {
  const callTakerCtx = await context(browser);
  const callTaker = await login(callTakerCtx, 'calltaker');
  const counselorCtx = await context(browser);
  const counselor = await login(counselorCtx, 'counselor');

  const summary = `988 console test ${Date.now()}: plan and a firearm`;
  await counselor.keyboard.press('n');
  await counselor.getByLabel('What the person says').fill(summary);
  await counselor.getByLabel('Callback number').fill('785-555-0142');
  await counselor.getByLabel('Latitude').fill('38.9717');
  await counselor.getByLabel('Longitude').fill('-95.2353');
  await counselor.getByRole('button', { name: 'Open contact' }).click();

  let asked = 0;
  for (;;) {
    const next = await Promise.race([
      counselor.waitForSelector('.question[data-question]', { timeout: 10000 }).then((el) => el.getAttribute('data-question')),
      counselor.waitForSelector('.decision', { timeout: 10000 }).then(() => null),
    ]);
    if (next === null) break;
    check(next in ANSWER, `the assessment asks ${next}`);
    asked += 1;
    await counselor.keyboard.press(ANSWER[next]);
    await counselor.waitForFunction((q) => document.querySelector('.question')?.dataset.question !== q, next, { timeout: 10000 });
  }
  check((await counselor.locator('.decision').getAttribute('data-outcome')) === 'emergency_handoff', `after ${asked} questions the assessment finds imminent risk`);

  await counselor.getByLabel('Hazards for responders').fill('firearm in the home');
  await counselor.locator('[data-action="handoff"]').click();
  await counselor.getByText('Confirm whether emergency services reached the person').waitFor({ timeout: 10000 });
  check(true, 'the counselor is asked for the follow-up');

  const row = callTaker.locator('nav button.item', { hasText: 'Hazards: firearm in the home' }).first();
  await row.waitFor({ timeout: 10000 });
  check(await sameDocument(callTaker), 'the handoff reached the call-taker live, without a reload');
  await row.click();
  const offer = callTaker.locator('section[aria-label="Offered to you"]');
  await offer.waitFor();
  check(/988 imminent-risk handoff from Kansas Suicide Prevention HQ/.test(await offer.innerText()), 'the PSAP sees it is a 988 imminent-risk handoff');
  check(!(await callTaker.locator('main').innerText()).includes(summary), 'the PSAP does not see the counselor\'s summary (the allow-list)');
  await callTaker.keyboard.press('a');
  await offer.waitFor({ state: 'detached', timeout: 10000 });

  await counselor.locator('[data-action="contact_made"]').click();
  await counselor.getByText('Follow-up recorded: emergency services made contact').waitFor({ timeout: 10000 });
  check(true, 'the follow-up is recorded');
  await counselor.getByText('Close the contact').click();
  check(await counselor.getByRole('button', { name: 'Close incident' }).isVisible(), 'the contact can close now');

  checkClean(callTakerCtx, 'call-taker');
  checkClean(counselorCtx, 'counselor');
});
