// The README's screenshots, at 1280×800, from a running demo (best with its traffic on):
//   CB_BASE=http://127.0.0.1:8080 node screenshots.mjs ../../docs/screenshots
// The call-taker mid-protocol on a new call in Lawrence, the dispatcher's live map, the
// supervisor's Reports tab, and the care navigator working the follow-up queue (once the demo's
// traffic has closed a few 988 contacts).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, context, login } from './browser.mjs';

const out = process.argv[2] ?? '../../docs/screenshots';
mkdirSync(out, { recursive: true });
const browser = await launch();
try {
  const ctx = await context(browser);
  const page = await login(ctx, 'calltaker');
  await page.getByLabel('What the caller says').fill('caller worried about her brother, who talks about ending his life');
  await page.getByLabel('Callback number').fill('785-555-0100');
  await page.getByLabel('Latitude').fill('38.9717');
  await page.getByLabel('Longitude').fill('-95.2353');
  await page.getByLabel('Uncertainty (m)').fill('30');
  await page.locator('.routing tr[data-service="urn:service:counseling.suicide"]').waitFor();
  await page.getByLabel('What the caller says').press('Control+Enter');
  // "No" to the safety questions, up to the risk rating.
  for (;;) {
    const q = await page.waitForSelector('.question[data-question]').then((el) => el.getAttribute('data-question'));
    if (q === 'risk') break;
    await page.keyboard.press('n');
    await page.waitForFunction((id) => document.querySelector('.question')?.dataset.question !== id, q);
  }
  await page.waitForSelector('.question[data-question="risk"]');
  await page.screenshot({ path: join(out, 'call-taker.png') });

  const dctx = await context(browser);
  const dispatcher = await login(dctx, 'dispatcher');
  await dispatcher.waitForTimeout(800);
  const first = dispatcher.locator('nav button.item, aside button.item').first();
  if (await first.count()) await first.click();
  await dispatcher.waitForTimeout(800);
  await dispatcher.screenshot({ path: join(out, 'dispatcher.png') });

  const sctx = await context(browser);
  const supervisor = await login(sctx, 'supervisor');
  await supervisor.getByRole('tab', { name: 'Reports' }).click();
  await supervisor.locator('section.reports table.measures').first().waitFor({ timeout: 15000 });
  await supervisor.waitForFunction(() => document.querySelectorAll('section.reports figure.report-chart img').length >= 4);
  await supervisor.waitForTimeout(500);
  await supervisor.screenshot({ path: join(out, 'reports.png') });

  const nctx = await context(browser);
  const navigator = await login(nctx, 'navigator');
  const queued = navigator.locator('.follow-up-queue [data-incident]').first();
  if (await queued.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
    await queued.click();
    await navigator.locator('[data-section="follow-ups"]').waitFor();
    await navigator.screenshot({ path: join(out, 'care-navigator.png') });
  } else {
    console.log('no follow-up queued yet: care-navigator.png not taken');
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
}
