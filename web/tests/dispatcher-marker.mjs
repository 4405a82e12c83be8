// End-to-end: a dispatcher's live map moves a team's marker when the team's GPS reports a new
// position, without a reload.

import { run, context, login, check, checkClean, sameDocument, apiAs } from './browser.mjs';

await run('dispatcher sees a team marker move', 120, async (browser) => {
  const dispatcherApi = await apiAs('dispatcher');
  const teams = await dispatcherApi('GET', '/teams');
  const ctx = await context(browser);
  const page = await login(ctx, 'dispatcher');
  await page.waitForSelector('.dispatch-map path.county');
  const counties = await page.locator('.dispatch-map path.county').count();
  check(counties === 105, `the map draws the ${counties} county outlines from /api/v1/areas`);

  check(teams.status === 200 && teams.body.length > 0, 'the server lists teams');
  const me = (await dispatcherApi('GET', '/me')).body;
  const team = teams.body.find((t) => t.provider === me.agency.id) ?? teams.body[0];
  // The team list says who is on each team, as the services file lists them.
  check(team.members?.length > 0, `the demo team ${team.name} lists its members`);
  const crew = page.locator(`.team-row[data-team="${team.id}"] .team-crew`);
  await crew.waitFor({ timeout: 10000 });
  const crewText = await crew.textContent();
  check(team.members.every((m) => crewText.includes(m)), `the team row names ${team.members.join(' and ')} (shows "${crewText}")`);
  const responder = await apiAs('responder');
  // A team off shift is out of service; its phone reports once the shift starts.
  if (team.shift === 'off') await responder('POST', `/teams/${team.id}/actions`, { action: 'start_shift' });
  const marker = page.locator(`.layer-teams [data-id="${team.id}"]`);
  const send = async (lat, lon) => {
    const r = await responder('POST', `/teams/${team.id}/positions`, { fixes: [{ at: Date.now(), lat, lon, accuracy_m: 10 }] });
    check(r.status >= 200 && r.status < 300, `the responder's fix (${lat.toFixed(5)}, ${lon.toFixed(5)}) is accepted (${r.status} ${JSON.stringify(r.body?.verdicts ?? '')})`);
  };
  const shownAt = (lat) => page.waitForFunction(([id, want]) => Math.abs(Number(document.querySelector(`.layer-teams [data-id="${id}"]`)?.dataset.lat) - want) < 1e-7, [team.id, lat], { timeout: 10000 });
  // Start where the team is (or its home), then drive about 30 m: a plausible move, which a
  // server checking speeds accepts.
  const start = team.position ?? team.home_base ?? { lat: 38.9717, lon: -95.2353 };
  await send(start.lat, start.lon);
  await shownAt(start.lat);
  const before = await marker.getAttribute('transform');
  await page.waitForTimeout(1100);
  await send(start.lat + 0.00027, start.lon + 0.0001);
  await shownAt(start.lat + 0.00027);
  const after = await marker.getAttribute('transform');
  check(before !== after, `the marker moved (${before} → ${after})`);
  check(await sameDocument(page), 'without a reload');
  checkClean(ctx, 'dispatcher');
});
