// End-to-end: the posts `crisisbridge plan posts --json` recommends for the Manhattan
// scenario (CB_PLAN, written by the test before this runs) drawn on the dispatcher's map, one
// marker per post with its number of teams, listed beside the map; a file that is not a plan
// is refused with what is wrong and leaves the posts shown; Clear removes them.

import { readFileSync } from 'node:fs';
import { run, context, login, check, checkClean } from './browser.mjs';

await run('dispatcher sees the recommended posts', 90, async (browser) => {
  const planText = readFileSync(process.env.CB_PLAN, 'utf8');
  const plan = JSON.parse(planText);
  const teams = plan.posts.reduce((n, p) => n + p.teams, 0);
  check(plan.posts.length > 0 && teams === plan.teams, `the plan posts ${plan.teams} teams at ${plan.posts.length} posts`);
  const ctx = await context(browser);
  const page = await login(ctx, 'dispatcher');
  await page.waitForSelector('.dispatch-map path.county');
  const card = page.getByRole('region', { name: 'Recommended posts' });
  const input = card.getByLabel('Plan of posts (JSON)');
  await input.setInputFiles({ name: 'plan.json', mimeType: 'application/json', buffer: Buffer.from(planText) });
  await card.getByText(`${teams} teams at ${plan.posts.length} posts, from plan.json.`).waitFor({ timeout: 10000 });
  const markers = page.locator('.layer-posts .marker.post');
  check(await markers.count() === plan.posts.length, `one marker per post (${await markers.count()})`);
  for (const [k, p] of plan.posts.entries()) {
    const m = page.locator(`.layer-posts [data-id="post-${k}"]`);
    const [lat, lon, label, title] = await Promise.all([m.getAttribute('data-lat'), m.getAttribute('data-lon'), m.locator('text').textContent(), m.locator('title').textContent()]);
    check(Number(lat) === p.lat && Number(lon) === p.lon, `${p.name} is drawn where the plan puts it (${lat}, ${lon})`);
    check(label === String(p.teams) && title.startsWith(p.name), `${p.name}'s marker says ${p.teams} (${label}, "${title}")`);
  }
  // For looking at: CB_SHOT=path.png saves the map with the posts.
  if (process.env.CB_SHOT) await page.screenshot({ path: process.env.CB_SHOT });
  const rows = await card.locator('.post-row').allTextContents();
  check(rows.length === plan.posts.length && rows.every((r, k) => r.startsWith(plan.posts[k].name)), `the posts are listed (${rows.length})`);

  // Not a plan: refused, saying what is wrong; the posts stay.
  const bad = JSON.stringify({ posts: [{ name: 'Nowhere', lat: 123, lon: 0, teams: 1 }] });
  await input.setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from(bad) });
  await card.getByText('wrong.json: post 1 (Nowhere): latitude 123 is not between −90 and 90').waitFor({ timeout: 10000 });
  check(await markers.count() === plan.posts.length, 'the refused file changed nothing on the map');

  await card.getByRole('button', { name: 'Clear posts' }).click();
  await card.getByText('No plan shown.').waitFor({ timeout: 10000 });
  check(await markers.count() === 0, 'Clear removes the posts');
  checkClean(ctx, 'dispatcher');
});
