// What every console test needs: Debian's Chromium driven by playwright-core (no browser
// download), a guard that fails on any request to another host than the server's, page
// errors and CSP violations collected, logging in as a demo user, and small assertions.

import { chromium } from 'playwright-core';

export const BASE = process.env.CB_BASE ?? 'http://127.0.0.1:8080';
export const PASSWORD = 'crisisbridge-demo';
const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium phones home at start, which this
// machine's network refuses (and a PSAP's would too).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-dev-shm-usage'];
const ROLE = { calltaker: 'call_taker', clinician: 'clinician', clinician2: 'clinician', counselor: 'counselor', dispatcher: 'dispatcher', responder: 'responder', supervisor: 'supervisor', admin: 'admin', navigator: 'care_navigator', facility: 'facility_staff' };

/** Fails the script after `seconds`, so a hung browser never hangs the test suite. */
export function deadline(seconds) {
  setTimeout(() => {
    console.error(`FAIL: the test did not finish within ${seconds} s`);
    process.exit(1);
  }, seconds * 1000).unref();
}

export function check(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
  console.log(`ok - ${message}`);
}

/** A fresh browser (Playwright gives each launch a new, empty user-data dir). */
export function launch() {
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
}

/** A browser context (its own cookies) whose every request must stay on the server's host. */
export async function context(browser, { viewport = { width: 1280, height: 800 }, ...options } = {}) {
  const ctx = await browser.newContext({ viewport, ...options });
  const allowed = new URL(BASE).host;
  ctx.offHost = [];
  ctx.problems = [];
  await ctx.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.host === allowed) return route.continue();
    ctx.offHost.push(url.href);
    return route.abort('blockedbyclient');
  });
  ctx.on('page', (page) => watch(ctx, page));
  return ctx;
}

function watch(ctx, page) {
  page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) ctx.problems.push(`CSP: ${text}`);
    else if (m.type() === 'error' && !/Failed to load resource|net::ERR_|EventSource/i.test(text)) ctx.problems.push(`console error: ${text}`);
  });
}

/** Fails when a page of `ctx` asked another host for anything, or broke. */
export function checkClean(ctx, who) {
  check(ctx.offHost.length === 0, `${who}: no request left ${new URL(BASE).host} (${ctx.offHost.join(', ') || 'none'})`);
  check(ctx.problems.length === 0, `${who}: no page errors or CSP violations (${ctx.problems.join(' | ') || 'none'})`);
}

/** Opens the console in `ctx` and logs in through the form; resolves on the user's view. */
export async function login(ctx, username) {
  const page = await ctx.newPage();
  await page.goto(`${BASE}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector(`body[data-ready="true"][data-view="${ROLE[username]}"]`, { timeout: 15000 });
  // Marks this document: if it is still there later, the page never reloaded.
  await page.evaluate(() => { window.__sameDocument = true; });
  return page;
}

export const sameDocument = (page) => page.evaluate(() => window.__sameDocument === true);

/** The first render of the page's view, in ms since navigation start (Performance API). */
export async function firstRender(page) {
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  return page.evaluate(() => performance.getEntriesByName('cb:first-render')[0]?.startTime ?? null);
}

/** The JSON API as a demo user, outside the browser (for setting up and for team fixes). */
export async function apiAs(username) {
  const res = await fetch(`${BASE}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (res.status !== 201) throw new Error(`login ${username}: ${res.status}`);
  const { token } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${BASE}/api/v1${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

export async function run(name, seconds, body) {
  deadline(seconds);
  const browser = await launch();
  try {
    await body(browser);
    console.log(`PASS ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
