// The embedded clinician, end to end: a call the protocol sends to the PSAP's clinician waits
// in the queue; one clinician claims it and hands it straight to a colleague, whose browser
// shows the call as theirs without a reload.

import { run, context, login, check, checkClean, sameDocument, apiAs } from './browser.mjs';

// No safety concern, but the caller does not agree to talk to 988: the embedded clinician.
const ANSWERS = { attempt_in_progress: false, medical: false, violence: false, crime: false, weapon: false, risk: 'low', welfare_entry: false, age_band: 'adult', requests_police: false, in_person: false, consent: false };

await run('clinician hands a call to a colleague live', 120, async (browser) => {
  const firstCtx = await context(browser);
  const first = await login(firstCtx, 'clinician');
  const secondCtx = await context(browser);
  const second = await login(secondCtx, 'clinician2');

  const calltaker = await apiAs('calltaker');
  const summary = `clinician console test ${Date.now()}: wants someone to talk to`;
  const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, callback_number: '785-555-0177', summary });
  check(opened.status === 201, `the call-taker opens the call (${opened.status})`);
  const triage = await calltaker('POST', `/incidents/${opened.body.id}/triage`, { answers: ANSWERS });
  check(triage.body?.decision?.outcome === 'embedded_clinician', `the protocol sends it to the embedded clinician (${triage.body?.decision?.outcome})`);

  // The first clinician sees it arrive in the queue, claims it and hands it on.
  const row = first.locator('nav button.item', { hasText: summary }).first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
  await first.locator('[data-action="claim"]').first().waitFor({ timeout: 10000 });
  await first.keyboard.press('k');
  await first.getByRole('heading', { name: 'You have this call' }).waitFor({ timeout: 10000 });
  const handOn = first.locator('details[data-form="hand-on"]');
  await handOn.locator('summary').click();
  const options = await handOn.locator('select option').allTextContents();
  check(options.some((o) => o.includes('Demo clinician (second)')) && !options.some((o) => o.startsWith('Demo clinician (clinician)')), `the colleagues offered are the others (${options.join(', ')})`);
  await handOn.locator('select').selectOption({ label: options.find((o) => o.includes('Demo clinician (second)')) });
  await handOn.getByRole('button', { name: 'Hand on' }).click();
  await first.getByText('Another clinician has this call.').waitFor({ timeout: 10000 });
  check(true, 'the first clinician no longer holds it');
  // The timeline names both: who took the call and to whom it was handed.
  await first.getByText('Demo clinician took the call').first().waitFor({ timeout: 10000 });
  await first.getByText('Demo clinician handed the call to Demo clinician (second)').waitFor({ timeout: 10000 });
  check(true, 'the timeline names the clinicians');

  // The colleague's view shows the call as theirs, live.
  const theirs = second.locator('nav button.item', { hasText: summary }).filter({ hasText: 'You have this call' });
  await theirs.waitFor({ timeout: 10000 });
  check(await sameDocument(second), 'the colleague sees it without a reload');
  checkClean(firstCtx, 'clinician');
  checkClean(secondCtx, 'clinician2');
});
