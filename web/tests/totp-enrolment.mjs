// End-to-end, a second factor as a supervisor meets it: the deployment asks supervisors for
// an authenticator, so the first login shows a QR code and the key; a wrong code is refused;
// the code the app would show (computed here from the key, RFC 6238) lets the supervisor in.

import { run, context, check, checkClean, BASE, PASSWORD } from './browser.mjs';
import { createHmac } from 'node:crypto';

/** RFC 4648 base32 to bytes. */
function base32decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code an authenticator app shows now for `secret` (RFC 6238, SHA-1, 30 s). */
function totp(secret) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const digest = createHmac('sha1', base32decode(secret)).update(counter).digest();
  const offset = digest[19] & 15;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

await run('totp enrolment', 60, async (browser) => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/`);
  await page.getByLabel('Username').fill('supervisor');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('form.enrol svg', { timeout: 10000 });
  check(await page.locator('form.enrol svg[role="img"]').count() === 1, 'the QR code is shown');
  const secret = await page.locator('[data-field="secret"]').textContent();
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForSelector('form.enrol .error:not(:empty)');
  check((await page.locator('form.enrol .error').textContent()).includes('does not match'), 'a wrong code is refused');
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForSelector('body[data-ready="true"][data-view="supervisor"]', { timeout: 15000 });
  checkClean(ctx, 'supervisor');
});
