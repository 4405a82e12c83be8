// Follow-up after the contact, end to end: a counselor's 988 contact assessed at elevated risk
// closes with the caller's consent, and the center's rule makes the follow-up in the same
// commit. The care navigator finds it in the queue, logs a missed try with one key (2), then
// a reached one (1) and the outcome; the follow-up leaves the queue. A navigator whose clock
// is past the due time sees the follow-up marked overdue and counted in the top bar. A second
// contact from the same number shows the counselor the first, with how it ended.

import { tmpdir } from 'node:os';
import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

// The shipped 988 assessment: thoughts of suicide with means at hand, buffered by a safety plan
// and someone present (rule elevated-risk-buffered: phone support and a follow-up call).
const ANSWERS = { attempt_in_progress: false, desire: true, intent: false, lethal_means: true, attempt_history: false, acute_state: false, collaborates: true, supports: true, in_person: false };

await run('follow-up after the contact', 120, async (browser) => {
  const counselor = await apiAs('counselor');
  const summary = `follow-up test ${Date.now()}: caller overwhelmed after a job loss`;
  const opened = await counselor('POST', '/incidents', { channel: '988', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 50 }, callback_number: '785-555-0177', summary });
  check(opened.status === 201, `the counselor opens a contact (${opened.status})`);
  const id = opened.body.id;
  const triaged = await counselor('POST', `/incidents/${id}/triage`, { answers: ANSWERS });
  check(triaged.status === 200 && triaged.body.decision?.rule === 'elevated-risk-buffered', `assessed: ${triaged.body.decision?.rule}`);
  const closed = await counselor('POST', `/incidents/${id}/actions`, { action: 'close', disposition: 'resolved_by_phone', remark: 'safety plan made', follow_up_consent: true });
  check(closed.status === 200, `closed with consent (${closed.status})`);
  const made = closed.body.incident.follow_ups;
  check(made.length === 1 && made[0].rule === 'elevated-risk-callback' && !made[0].without_consent, 'the rule made a follow-up with the close');
  check(closed.body.events.map((e) => e.kind).join(',') === 'follow_up_consent_recorded,closed,follow_up_scheduled', 'in one commit');

  // Refusals change nothing and say why.
  const navigatorApi = await apiAs('navigator');
  const bad = await navigatorApi('POST', `/incidents/${id}/follow-ups/1/attempts`, { result: 'maybe' });
  check(bad.status === 422 && bad.body.error.field === 'result', `an unknown result is refused (${bad.status})`);
  const nope = await navigatorApi('POST', `/incidents/${id}/follow-ups/7/attempts`, { result: 'no_answer' });
  check(nope.status === 409 && /no follow-up number 7/.test(nope.body.error.message), `no follow-up 7 (${nope.status})`);

  const ctx = await context(browser);
  const page = await login(ctx, 'navigator');
  const item = page.locator(`.follow-up-queue [data-incident="${id}"]`);
  await item.waitFor({ timeout: 10000 });
  check(/due in 2[34] h/.test(await item.textContent()), `queued, due in about 24 h (${(await item.textContent()).slice(0, 40)})`);
  await item.click();
  const card = page.locator('[data-section="follow-ups"]');
  await card.waitFor({ timeout: 10000 });
  check((await card.textContent()).includes('by rule elevated-risk-callback'), 'the card says which rule made it');
  await page.keyboard.press('2');
  await card.locator('.attempts li', { hasText: 'No answer' }).waitFor({ timeout: 10000 });
  check((await card.textContent()).includes('1 (1 missed of 3 allowed)'), 'one try logged with the key 2');
  await card.locator('[data-field="attempt-note"]').fill('spoke briefly, doing better');
  await card.locator('[data-result="reached"]').click();
  await card.locator('.attempts li', { hasText: 'Reached' }).waitFor({ timeout: 10000 });
  await card.locator('[data-field="outcome"]').selectOption('referred');
  await card.locator('[data-action="finish-follow-up"]').click();
  check(await card.locator('.error', { hasText: 'referred to' }).count() === 1, 'referred needs to say to what');
  await card.locator('[data-field="outcome-detail"]').fill('Bert Nash Center outpatient intake');
  await card.locator('[data-action="finish-follow-up"]').click();
  await card.getByText('Referred — Bert Nash Center outpatient intake').waitFor({ timeout: 10000 });
  await item.waitFor({ state: 'detached', timeout: 10000 });
  check(true, 'finished: it left the queue');
  const again = await navigatorApi('POST', `/incidents/${id}/follow-ups/1/attempts`, { result: 'no_answer' });
  check(again.status === 409 && again.body.error.code === 'follow_up_finished', `a finished follow-up takes no more tries (${again.status} ${again.body.error?.code})`);
  await page.screenshot({ path: `${tmpdir()}/care-navigator.png` });
  checkClean(ctx, 'navigator');

  // A second contact, followed up by hand within the hour; seen from a day later it is overdue.
  const second = await counselor('POST', '/incidents', { channel: '988', location: { type: 'unknown' }, callback_number: '(785) 555-0177', summary: `${summary} (second)` });
  const sid = second.body.id;
  const noConsent = await counselor('POST', `/incidents/${sid}/follow-ups`, { due_in_hours: 1, reason: 'check in tonight' });
  check(noConsent.status === 409 && noConsent.body.error.code === 'consent_required', `no consent, no follow-up (${noConsent.status})`);
  await counselor('POST', `/incidents/${sid}/actions`, { action: 'record_follow_up_consent', given: true });
  const added = await counselor('POST', `/incidents/${sid}/follow-ups`, { due_in_hours: 1, reason: 'check in tonight' });
  check(added.status === 200 && added.body.incident.follow_ups.length === 1, `added by hand (${added.status})`);
  // The counselor on the second contact sees the first from the same number, and its outcome.
  const cctx = await context(browser);
  const desk = await login(cctx, 'counselor');
  await desk.locator(`button.item[data-id="${sid}"]`).click();
  const prior = desk.locator('[data-section="prior-contacts"]');
  await prior.locator(`li[data-incident="${id}"]`).waitFor({ timeout: 10000 });
  const priorText = await prior.textContent();
  check(/1 earlier contact from \+17855550177/.test(priorText) && priorText.includes('Resolved by phone'), `prior contacts: ${priorText.slice(0, 90)}`);
  await desk.screenshot({ path: `${tmpdir()}/counselor-prior.png` });
  checkClean(cctx, 'counselor');

  const later = await context(browser);
  await later.clock.install({ time: Date.now() + 25 * 3600 * 1000 });
  const tomorrow = await login(later, 'navigator');
  const late = tomorrow.locator(`.follow-up-queue [data-incident="${sid}"]`);
  await late.waitFor({ timeout: 10000 });
  check(await late.getAttribute('data-overdue') === 'true' && /overdue by/.test(await late.textContent()), 'marked overdue');
  await tomorrow.locator('.needs-action', { hasText: 'waiting for action' }).waitFor({ timeout: 10000 });
  check(true, 'and counted in the top bar');
  checkClean(later, 'navigator a day later');
});
