// Live after a dropped connection: the server is killed (-9) under an open counselor page,
// which must say it is disconnected; events committed after the restart and before the page
// reconnects must still arrive — replayed by the stream from the page's Last-Event-ID — and
// the banner must go away, all without a reload. This script runs its own server (CB_BIN) on
// a fixed port, so the page can reconnect to the same address.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => resolve(p));
  });
});
process.env.CB_BASE = `http://127.0.0.1:${port}`;
const { run, context, login, check, checkClean, sameDocument, apiAs } = await import('./browser.mjs');
const BIN = process.env.CB_BIN;
if (!BIN) throw new Error('CB_BIN must name the crisisbridge binary');
const data = mkdtempSync(join(tmpdir(), 'cb-reconnect-'));

function startServer() {
  const child = spawn(BIN, ['demo', '--listen', `127.0.0.1:${port}`, '--data', data, '--no-traffic'], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('listening on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}) before listening`)));
  });
}

async function divertedCall(api, summary) {
  const incident = (await api('POST', '/incidents', { channel: '911', summary, location: { type: 'point', lat: 38.9717, lon: -95.2353, radius_m: 30 } })).body;
  const answers = { attempt_in_progress: false, medical: false, violence: false, crime: false, weapon: false, risk: 'low', welfare_entry: false, age_band: 'adult', requests_police: false, in_person: false, consent: true };
  await api('POST', `/incidents/${incident.id}/triage`, { answers });
  const r = await api('POST', `/incidents/${incident.id}/actions`, { action: 'divert_988' });
  check(r.status === 200, `"${summary}" is offered to 988`);
  return r.body.events.at(-1).seq;
}

let server = await startServer();
try {
  await run('the console resumes after the server restarts', 150, async (browser) => {
    const ctx = await context(browser);
    const counselor = await login(ctx, 'counselor');
    const callTaker = await apiAs('calltaker');
    await divertedCall(callTaker, 'before the restart');
    await counselor.locator('nav button.item', { hasText: 'before the restart' }).waitFor({ timeout: 10000 });

    server.kill('SIGKILL');
    await counselor.waitForSelector('body[data-live="disconnected"]', { timeout: 10000 });
    check(await counselor.locator('#banner').isVisible(), 'the page says it is disconnected');
    check(/Disconnected/.test(await counselor.locator('#connection').innerText()), 'the header shows the connection is down');

    server = await startServer();
    const seq = await divertedCall(callTaker, 'while the page was away');
    await counselor.locator('nav button.item', { hasText: 'while the page was away' }).waitFor({ timeout: 20000 });
    await counselor.waitForSelector('body[data-live="connected"]', { timeout: 20000 });
    check(!(await counselor.locator('#banner').isVisible()), 'the banner is gone once reconnected');
    const lastSeq = Number(await counselor.evaluate(() => document.body.dataset.lastSeq));
    check(lastSeq >= seq, `the stream replayed the missed events (page saw seq ${lastSeq}, the offer was ${seq})`);
    check(await sameDocument(counselor), 'all without a reload');
    checkClean(ctx, 'counselor');
  });
} finally {
  server.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
}
