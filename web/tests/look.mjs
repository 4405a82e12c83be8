// A developer's look at one view: logs in as USER, waits, takes a screenshot, prints page
// errors. With CB_WEB_DIR set, the console's files come from that folder instead of the
// binary, so edits show without a rebuild; CB_CLICK names something to click first.
//   CB_BASE=http://127.0.0.1:8080 node look.mjs calltaker /tmp/calltaker.png [width height]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, context, login } from './browser.mjs';

const [user = 'calltaker', out = `/tmp/${user}.png`, width = '1280', height = '800'] = process.argv.slice(2);
const browser = await launch();
const ctx = await context(browser, { viewport: { width: Number(width), height: Number(height) } });
if (process.env.CB_WEB_DIR) {
  const types = { js: 'text/javascript', css: 'text/css', html: 'text/html', svg: 'image/svg+xml' };
  await ctx.route('**/console/**', (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/console\/?/, '') || 'index.html';
    try {
      route.fulfill({ body: readFileSync(join(process.env.CB_WEB_DIR, path)), contentType: types[path.split('.').pop()] });
    } catch {
      route.fulfill({ status: 404, body: 'no such file' });
    }
  });
}
try {
  const page = await login(ctx, user);
  if (process.env.CB_CLICK) await page.locator(process.env.CB_CLICK).first().click();
  await page.waitForTimeout(Number(process.env.CB_WAIT ?? 1500));
  await page.screenshot({ path: out });
  console.log(`screenshot: ${out}`);
} finally {
  console.log(`problems: ${JSON.stringify(ctx.problems)}\noff-host: ${JSON.stringify(ctx.offHost)}`);
  await browser.close();
}
