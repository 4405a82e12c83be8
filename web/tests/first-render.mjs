// The first render of every role's view on the demo data, measured with the Performance API:
// the time from navigation start to the view's first complete render ("cb:first-render"),
// with the session already open (a reload of a logged-in page). Prints one line per view.

import { run, context, login, firstRender, check, checkClean } from './browser.mjs';

const VIEWS = [
  ['calltaker', { width: 1280, height: 800 }],
  ['clinician', { width: 1280, height: 800 }],
  ['counselor', { width: 1280, height: 800 }],
  ['dispatcher', { width: 1280, height: 800 }],
  ['responder', { width: 390, height: 844 }],
  ['supervisor', { width: 1280, height: 800 }],
];
const BUDGET_MS = 1000;

await run('first render of every view', 150, async (browser) => {
  const slow = [];
  for (const [user, viewport] of VIEWS) {
    const ctx = await context(browser, { viewport });
    const page = await login(ctx, user);
    const times = [];
    for (let n = 0; n < 3; n++) times.push(await firstRender(page));
    check(times.every((t) => typeof t === 'number'), `${user}: the view marks its first render`);
    const best = Math.min(...times);
    console.log(`first-render ${user} ${Math.round(best)} ms (runs: ${times.map(Math.round).join(', ')} ms; ${viewport.width}x${viewport.height})`);
    if (best > BUDGET_MS) slow.push(`${user} ${Math.round(best)} ms`);
    checkClean(ctx, user);
    await ctx.close();
  }
  // A timing is a benchmark, not a pass/fail on a shared 2-core machine: say it loudly.
  if (slow.length) console.log(`WARN first render over ${BUDGET_MS} ms: ${slow.join(', ')}`);
});
