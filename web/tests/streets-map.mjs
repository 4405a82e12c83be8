// End-to-end on the Manhattan demo: the call-taker's map draws the borough's streets from the
// server's own tiles, pans with a drag and zooms with the wheel (fetching only the tiles in
// view), names streets when zoomed in; a corner typed in the map's box places the caller and
// is said in words; the opened incident and the responder's phone say where in words, with a
// Navigate link and a small map.

import { run, context, login, check, checkClean, apiAs } from './browser.mjs';

const viewBox = (page) => page.locator('.pick-map svg').getAttribute('viewBox');

await run('streets are drawn, panned, zoomed and searched', 180, async (browser) => {
  const ctx = await context(browser, { viewport: { width: 1280, height: 900 } });
  const page = await login(ctx, 'calltaker');
  await page.keyboard.press('n');
  const map = page.locator('.pick-map');
  await map.waitFor();
  await page.waitForSelector('.pick-map[data-streets="yes"]');
  await page.waitForSelector('.pick-map .streets path.road');
  const tiles = () => page.locator('.pick-map .streets g[data-tile]:not([style*="none"])').count();
  check(await page.locator('.pick-map path.county').count() === 1, 'the borough outline is drawn');
  const roadsAtRegion = await page.locator('.pick-map .streets path.road').count();
  check((await page.locator('.pick-map .map-attribution').textContent()).includes('OpenStreetMap contributors'), 'the map credits OpenStreetMap, as its licence asks');
  check(roadsAtRegion > 0, `the region view draws roads (${roadsAtRegion} paths in ${await tiles()} tiles)`);

  // Pan: a drag moves the view, does not place the caller, and draws the new area's tiles.
  const before = await viewBox(page);
  const box = await page.locator('.pick-map svg').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 - i * 15, box.y + box.height / 2 + i * 8);
  await page.mouse.up();
  const panned = await viewBox(page);
  check(panned !== before, `a drag pans the map (${before} → ${panned})`);
  check(await page.locator('input[name=lat]').inputValue() === '', 'a drag does not place the caller');

  // Zoom with the wheel until street names show; the view narrows each time.
  const widths = [];
  for (let i = 0; i < 8; i++) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -200);
    await page.waitForTimeout(150);
    widths.push(Number((await viewBox(page)).split(' ')[2]));
  }
  check(widths.every((w, i) => i === 0 || w < widths[i - 1]), `the wheel zooms in (${widths.map((w) => w.toFixed(2)).join(' → ')})`);

  // The find box: a corner as a person types it.
  await page.locator('.pick-map .map-find').fill('w 23rd st & 8th ave');
  const option = page.locator('.pick-map .map-found li[role=option]').first();
  await option.waitFor();
  check((await option.textContent()).includes('West 23rd Street & 8th Avenue'), `the box finds the corner ("${await option.textContent()}")`);
  await option.click();
  const lat = Number(await page.locator('input[name=lat]').inputValue());
  const lon = Number(await page.locator('input[name=lon]').inputValue());
  check(Math.abs(lat - 40.7453) < 0.001 && Math.abs(lon + 73.9985) < 0.001, `choosing it places the caller there (${lat}, ${lon})`);
  await page.waitForFunction(() => document.querySelector('.place-line')?.textContent.includes('West 23rd Street'));
  const said = await page.locator('.place-line').textContent();
  check(said.includes('at ') && said.includes('8th Avenue'), `the form says the spot in words ("${said}")`);
  check(await page.locator('input[name=address]').inputValue() === 'West 23rd Street & 8th Avenue', 'the place found fills in the address, which the call-taker may change');
  await page.locator('input[name=address]').fill('West 23rd Street & 8th Avenue, northeast corner');
  await page.waitForSelector('.pick-map .street-labels text.street-name');
  const names = await page.locator('.pick-map .street-labels text.street-name').allTextContents();
  check(names.some((n) => /Street|Avenue/.test(n)), `zoomed in, streets are named (${names.slice(0, 4).join(', ')} …)`);
  const found = await page.locator('.pick-map .map-found li').count();
  await page.locator('.pick-map .map-find').fill('zzzz nowhere');
  await page.waitForSelector('.pick-map .map-found li.empty');
  check(found > 0 && (await page.locator('.pick-map .map-found li.empty').textContent()).includes('Nothing found'), 'a name that is nowhere says so');

  // Open the incident: its card says where in words.
  await page.locator('textarea[name=summary]').fill('man shouting on the corner, not violent');
  await page.keyboard.press('Control+Enter');
  const card = page.locator('section[aria-label=Incident] .place');
  await card.waitFor({ timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector('section[aria-label=Incident] .place')?.hidden);
  const where = await card.textContent();
  check(where.includes('West 23rd Street'), `the incident says where in words ("${where}")`);
  const address = await page.locator('section[aria-label=Incident] .address').textContent();
  check(address === 'West 23rd Street & 8th Avenue, northeast corner', `the incident keeps the address as said ("${address}")`);
  const id = await page.locator('section[aria-label=Incident]').getAttribute('data-incident');

  // The responder's phone: the assignment in words, with a Navigate link and a small map.
  const ANSWERS = { attempt_in_progress: false, medical: false, violence: false, crime: false, weapon: false, risk: 'low', welfare_entry: false, age_band: 'adult', requests_police: false, in_person: true, consent: true };
  const calltaker = await apiAs('calltaker');
  const dispatcher = await apiAs('dispatcher');
  const responderApi = await apiAs('responder');
  const provider = (await calltaker('GET', '/agencies')).body.find((a) => a.code === 'bheard');
  const triaged = await calltaker('POST', `/incidents/${id}/triage`, { answers: ANSWERS });
  check(triaged.body.decision?.outcome === 'mobile_crisis', `triaged for a mobile crisis team (${triaged.body.decision?.outcome})`);
  const offered = await calltaker('POST', `/incidents/${id}/actions`, { action: 'offer_transfer', to_agency: provider.id, reason: 'mobile crisis' });
  check(offered.status === 200, `offered to B-HEARD (${offered.status})`);
  const team = (await dispatcher('GET', '/teams')).body.find((t) => t.provider === provider.id);
  if (team.shift === 'off') await responderApi('POST', `/teams/${team.id}/actions`, { action: 'start_shift' });
  const sent = await dispatcher('POST', `/incidents/${id}/actions`, { action: 'dispatch_team', team: team.id });
  check(sent.status === 200, `${team.name} sent (${sent.status} ${sent.body?.error?.message ?? ''})`);
  const rctx = await context(browser, { viewport: { width: 420, height: 900 } });
  const phone = await login(rctx, 'responder');
  await phone.locator('button.item', { hasText: team.name }).click();
  await phone.waitForFunction(() => [...document.querySelectorAll('.place')].some((p) => !p.hidden && p.textContent.includes('West 23rd')), null, { timeout: 15000 });
  check(true, 'the phone says where in words');
  check((await phone.locator('.address').first().textContent()).includes('northeast corner'), 'the phone shows the address as said');
  check(await phone.locator('a[data-action=navigate][href^="geo:40.745"]').count() === 1, 'the phone links the place to its navigation app (geo:)');
  await phone.waitForSelector('.responder-map .streets path.road', { timeout: 15000 });
  check(await phone.locator('.responder-map .marker.pin').count() === 1, 'the phone shows a small map with the assignment on its streets');
  await checkClean(rctx, 'responder');
  await checkClean(ctx, 'call-taker');
});
