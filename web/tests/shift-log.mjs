// The shift log in the console: the supervisor writes a handover note; the call-taker's top
// bar counts it unread, the log shows it, one button acknowledges it, and the supervisor sees
// who read it.
// (Readers are named by their display names.)

import { run, context, login, check, checkClean } from './browser.mjs';

await run('shift log', 60, async (browser) => {
  const note = `handover ${Date.now()}: K-10 bridge closed eastbound`;
  const sctx = await context(browser);
  const sup = await login(sctx, 'supervisor');
  await sup.locator('[data-action="shift-log"]').click();
  const spanel = sup.getByRole('region', { name: 'Shift log' });
  await spanel.getByLabel('Handover note for the next shift').fill(note);
  await spanel.locator('[data-action="write-handover"]').click();
  await spanel.getByText(note).waitFor({ timeout: 10000 });

  const ctx = await context(browser);
  const taker = await login(ctx, 'calltaker');
  const button = taker.locator('[data-action="shift-log"]');
  await taker.waitForFunction(() => /unread/.test(document.querySelector('[data-action="shift-log"]')?.textContent ?? ''), null, { timeout: 10000 });
  const before = await button.textContent();
  await button.click();
  const panel = taker.getByRole('region', { name: 'Shift log' });
  const item = panel.locator('li', { hasText: note });
  await item.waitFor({ timeout: 10000 });
  check((await item.textContent()).includes('Nobody has acknowledged it yet'), 'nobody has read it yet');
  await item.locator('[data-action="acknowledge"]').click();
  await item.getByText(/^Read by /).waitFor({ timeout: 10000 });
  const unread = (t) => Number(/\((\d+) unread\)/.exec(t ?? '')?.[1] ?? 0);
  check(unread(await button.textContent()) === unread(before) - 1, `one fewer unread (${before} → ${await button.textContent()})`);
  check(await item.locator('[data-action="acknowledge"]').count() === 0, 'acknowledged once, no button left');
  checkClean(ctx, 'calltaker');

  await sup.reload();
  await sup.locator('[data-action="shift-log"]').click();
  await sup.getByRole('region', { name: 'Shift log' }).locator('li', { hasText: note }).getByText(/^Read by /).waitFor({ timeout: 10000 });
  checkClean(sctx, 'supervisor');
});
