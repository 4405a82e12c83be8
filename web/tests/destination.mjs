// Somewhere to go, end to end: a team on scene in Lawrence. The Treatment & Recovery Center's
// staff put it on diversion; the responder's ranked list then puts it below a facility with
// room and says why. Back to accepting, the responder takes the person there; the facility
// sees the team coming with its expected arrival and takes the person over; the responder's
// phone says so.

import { tmpdir } from 'node:os';
import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

// The shipped 911 protocol's answers for a person who needs someone there: a mobile crisis team.
const ANSWERS = { attempt_in_progress: false, medical: false, violence: false, crime: false, weapon: false, risk: 'low', welfare_entry: false, age_band: 'adult', requests_police: false, in_person: true, consent: true };

await run('somewhere to go', 120, async (browser) => {
  const calltaker = await apiAs('calltaker');
  const dispatcher = await apiAs('dispatcher');
  const responderApi = await apiAs('responder');
  const agencies = (await calltaker('GET', '/agencies')).body;
  const provider = agencies.find((a) => a.code === 'mct-douglas');
  const summary = `destination test ${Date.now()}: man pacing in traffic, agrees to go somewhere safe`;
  const opened = await calltaker('POST', '/incidents', { channel: '911', location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 }, summary, age_band: 'adult' });
  check(opened.status === 201, `a 911 call in Lawrence (${opened.status})`);
  const id = opened.body.id;
  const triaged = await calltaker('POST', `/incidents/${id}/triage`, { answers: ANSWERS });
  check(triaged.body.decision?.outcome === 'mobile_crisis', `triaged for a mobile crisis team (${triaged.body.decision?.outcome})`);
  const offered = await calltaker('POST', `/incidents/${id}/actions`, { action: 'offer_transfer', to_agency: provider.id, reason: 'mobile crisis' });
  check(offered.status === 200, `offered to the provider (${offered.status})`);
  const team = (await dispatcher('GET', '/teams')).body.find((t) => t.provider === provider.id && t.status === 'available')
    ?? (await dispatcher('GET', '/teams')).body.find((t) => t.provider === provider.id);
  if (team.shift === 'off') await responderApi('POST', `/teams/${team.id}/actions`, { action: 'start_shift' });
  const sent = await dispatcher('POST', `/incidents/${id}/actions`, { action: 'dispatch_team', team: team.id });
  check(sent.status === 200, `${team.name} sent (${sent.status} ${sent.body?.error?.message ?? ''})`);
  for (const status of ['en_route', 'on_scene']) await responderApi('POST', `/teams/${team.id}/actions`, { action: 'set_status', status });

  // The facility's staff put it on diversion.
  const fctx = await context(browser);
  const desk = await login(fctx, 'facility');
  const trc = desk.locator('[data-facility]').first();
  await trc.waitFor({ timeout: 10000 });
  const trcId = await trc.getAttribute('data-facility');
  await trc.locator('[data-field="status"]').selectOption('diversion');
  await trc.locator('[data-action="report-availability"]').click();
  await desk.waitForFunction(() => document.querySelector('[data-facility] [data-field="status"]')?.value === 'diversion', null, { timeout: 10000 });
  check(true, 'the facility reports itself on diversion');

  const rctx = await context(browser, { viewport: { width: 420, height: 900 } });
  const phone = await login(rctx, 'responder');
  await phone.locator('button.item', { hasText: team.name }).click();
  const card = phone.locator('[data-section="destination"]');
  await card.waitFor({ timeout: 10000 });
  await card.locator('[data-action="find-destination"]').click();
  await card.locator('li[data-facility]').first().waitFor({ timeout: 10000 });
  const first = await card.locator('li[data-facility]').first().getAttribute('data-facility');
  check(first !== trcId, 'a facility on diversion is not ranked first');
  const onDiversion = card.locator(`li[data-facility="${trcId}"]`);
  check((await onDiversion.getAttribute('data-room')) === 'diversion' && /on diversion/.test(await onDiversion.textContent()), 'and it says it is on diversion');

  // Back to accepting, with beds: the team takes the person there.
  await trc.locator('[data-field="status"]').selectOption('accepting');
  await trc.locator('[data-field="beds"]').fill('2');
  await trc.locator('[data-action="report-availability"]').click();
  await desk.waitForFunction(() => document.querySelector('[data-facility] [data-field="beds"]')?.value === '2', null, { timeout: 10000 });
  await card.locator('[data-action="find-destination"]').click();
  await phone.waitForFunction((want) => document.querySelector('[data-section="destination"] li[data-facility]')?.dataset.facility === want, trcId, { timeout: 10000 });
  check(/2 beds free/.test(await card.locator(`li[data-facility="${trcId}"]`).textContent()), 'accepting with room: ranked first, with its beds');
  await card.locator(`li[data-facility="${trcId}"] [data-action="choose-destination"]`).click();
  // The facility's name is filled in once the names are loaded.
  await phone.locator('[data-section="destination"] [data-destination]', { hasText: 'Taking the person to Treatment & Recovery Center' }).waitFor({ timeout: 10000 });
  check(true, 'the phone says where the team is going');
  await phone.screenshot({ path: `${tmpdir()}/responder-destination.png` });

  // The facility sees the team coming and takes the person over.
  const coming = desk.locator(`li[data-incident="${id}"]`);
  await coming.waitFor({ timeout: 10000 });
  const comingText = await coming.textContent();
  check(/expected \d\d:\d\d/.test(comingText) && comingText.includes(summary) && comingText.includes(team.name), `the facility sees ${team.name} coming, with its expected arrival`);
  await desk.screenshot({ path: `${tmpdir()}/facility.png` });
  await coming.locator('[data-action="accept-handover"]').click();
  await coming.waitFor({ state: 'detached', timeout: 10000 });
  const after = (await calltaker('GET', `/incidents/${id}`)).body;
  check(after.destination?.handed_over_at > 0, 'the hand-over is on the incident');
  await phone.reload();
  await phone.waitForSelector('body[data-ready="true"]');
  await phone.locator('[data-section="destination"]', { hasText: 'Handed over' }).waitFor({ timeout: 10000 });
  check(true, 'the phone shows the hand-over');
  checkClean(fctx, 'facility');
  checkClean(rctx, 'responder');
});
