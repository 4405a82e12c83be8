// End-to-end: a call-taker opens an incident (keyboard first), answers
// the diversion protocol one question at a time to divert_988, transfers it; in another
// browser context the 988 counselor sees the transfer arrive live, without reloading, and
// accepts; the call-taker sees the acceptance live.

import { run, context, login, check, checkClean, sameDocument } from './browser.mjs';

// The answers that lead to divert_988: no safety concern, low risk, the caller consents.
const ANSWER = { attempt_in_progress: 'n', medical: 'n', violence: 'n', crime: 'n', weapon: 'n', risk: '1', welfare_entry: 'n', age_band: '3', requests_police: 'n', in_person: 'n', consent: 'y' };

await run('call-taker transfer reaches the counselor live', 120, async (browser) => {
  const counselorCtx = await context(browser);
  const counselor = await login(counselorCtx, 'counselor');
  const callTakerCtx = await context(browser);
  const callTaker = await login(callTakerCtx, 'calltaker');

  // A map click places the caller (once the outlines are drawn).
  await callTaker.locator('.pick-map path.county').first().waitFor();
  await callTaker.locator('.pick-map svg').click({ position: { x: 200, y: 120 } });
  check((await callTaker.getByLabel('Latitude').inputValue()) !== '', 'a click on the map fills in the coordinates');

  const summary = `console test ${Date.now()}: brother talks about ending his life`;
  await callTaker.keyboard.press('Escape');
  await callTaker.getByLabel('What the caller says').fill(summary);
  await callTaker.getByLabel('Callback number').fill('785-555-0100');
  await callTaker.getByLabel('Latitude').fill('38.9717');
  await callTaker.getByLabel('Longitude').fill('-95.2353');
  await callTaker.getByLabel('Uncertainty (m)').fill('30');
  await callTaker.locator('.routing tr[data-service="urn:service:counseling.suicide"]', { hasText: 'Kansas Suicide Prevention HQ' }).waitFor();
  check(true, 'the routing answer names the 988 center before the incident exists');
  await callTaker.getByLabel('What the caller says').press('Control+Enter');

  // One question at a time, answered with the keyboard; focus sits on the question.
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
    const focusedInside = await callTaker.evaluate(() => !!document.activeElement?.closest('.question'));
    check(focusedInside, `focus is on question ${next}`);
    asked.push(next);
    await callTaker.keyboard.press(ANSWER[next]);
    await callTaker.waitForFunction((q) => document.querySelector('.question')?.dataset.question !== q, next, { timeout: 10000 });
  }
  check(asked.length >= 2, `the protocol asked ${asked.length} questions one at a time`);
  const decision = callTaker.locator('.decision');
  check((await decision.getAttribute('data-outcome')) === 'divert_988', 'the protocol decides divert_988');
  // The recorded decision's reason comes from the protocol, loaded once per view.
  await decision.getByText('Why:').waitFor({ timeout: 10000 });
  check(/Why:/.test(await decision.innerText()), 'the decision says why');
  check(/Rule consent-divert-988/.test(await decision.innerText()), 'the decision names its rule and protocol version');

  await callTaker.keyboard.press('t');
  await callTaker.locator('[data-transfer="pending"]', { hasText: 'Offered to Kansas Suicide Prevention HQ' }).waitFor({ timeout: 10000 });
  check(true, 'the call-taker sees the transfer offered, with its deadline');

  const row = counselor.locator('nav button.item', { hasText: summary });
  await row.waitFor({ timeout: 10000 });
  check(await sameDocument(counselor), 'the transfer appeared in the counselor\'s list without a reload');
  await row.click();
  await counselor.locator('[data-action="accept"]').waitFor();
  await counselor.keyboard.press('a');
  await callTaker.locator('[data-transfer="accepted"]', { hasText: 'Accepted by Kansas Suicide Prevention HQ' }).waitFor({ timeout: 10000 });
  check(await sameDocument(callTaker), 'the call-taker saw the acceptance live, without a reload');
  check(await counselor.locator('body[data-live="connected"]').count() === 1, 'the counselor\'s page shows it is live');
  // The counselor sees why the PSAP's protocol sent the call, though the center has no 911
  // protocol of its own.
  const explained = counselor.locator('.recorded-decision[data-explained="yes"]');
  await explained.waitFor({ timeout: 10000 });
  const text = await explained.innerText();
  check(/Why: /.test(text) && /Rule consent-divert-988/.test(text) && /Decided on: /.test(text), `the counselor sees the 911 decision's why, rule and answers ("${text.match(/Why: [^\n]*/)?.[0]}")`);

  checkClean(callTakerCtx, 'call-taker');
  checkClean(counselorCtx, 'counselor');
});
