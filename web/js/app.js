// The console's entry point: who is logged in decides the view. Each view module exports
// `mount(main, {user})`, which resolves once its first render is on screen (marked for the
// Performance API as "cb:first-render") and returns a clean-up function.

import { get, del, onUnauthenticated } from './api.js';
import * as live from './live.js';
import { loadAgencies, agency } from './directory.js';
import { setTimeZone } from './format.js';
import { loginView } from './login.js';
import { mountAlarms } from './alarms.js';
import { mountShiftLog } from './shift-log.js';
import * as keys from './shortcuts.js';

const VIEWS = {
  call_taker: () => import('./views/call-taker.js'),
  clinician: () => import('./views/clinician.js'),
  counselor: () => import('./views/counselor.js'),
  dispatcher: () => import('./views/dispatcher.js'),
  responder: () => import('./views/responder.js'),
  supervisor: () => import('./views/supervisor.js'),
  admin: () => import('./views/supervisor.js'),
  care_navigator: () => import('./views/care-navigator.js'),
  facility_staff: () => import('./views/facility.js'),
};

const main = document.getElementById('main');
const who = document.getElementById('who');
const logout = document.getElementById('logout');
const help = document.getElementById('help-button');
let unmount = null;
/** Whether a view runs (a 401 then means the session ended, not that nobody logged in). */
let running = false;

function showLogin(message) {
  running = false;
  unmount?.();
  unmount = null;
  live.stop();
  keys.clear();
  who.textContent = '';
  logout.hidden = true;
  help.hidden = true;
  document.getElementById('connection').hidden = true;
  document.getElementById('banner').hidden = true;
  document.body.dataset.view = 'login';
  document.body.dataset.ready = 'true';
  loginView(main, { message, onLoggedIn: (user) => start(user) });
}

async function start(user) {
  running = true;
  document.body.dataset.ready = 'false';
  document.body.dataset.view = user.role;
  // Notes default to staying with a crisis center (clinical records) and to shared elsewhere.
  document.body.dataset.agencyKind = user.agency.kind;
  who.textContent = `${user.display_name} · ${user.role.replace('_', ' ')} · ${user.agency.name}`;
  logout.hidden = false;
  help.hidden = false;
  main.replaceChildren(Object.assign(document.createElement('p'), { className: 'loading', textContent: 'Loading…' }));
  const [view] = await Promise.all([
    (VIEWS[user.role] ?? VIEWS.supervisor)(),
    // Some roles (a responder) may not read the directory: ids then show shortened.
    loadAgencies().then(() => setTimeZone(agency(user.agency.id)?.time_zone)).catch(() => {}),
    live.start({ sessionGone: () => showLogin('Your session ended; log in again.') }),
  ]);
  const unmountView = await view.mount(main, { user });
  // Alarms above every view that may hold an incident (not a responder's phone).
  const unmountAlarms = ['responder', 'facility_staff'].includes(user.role) ? null : await mountAlarms(main, { user });
  // The shift log, for those who work shifts at a console (not a responder's phone, not an
  // administrator).
  const unmountShiftLog = ['responder', 'admin'].includes(user.role) ? null : mountShiftLog(main);
  unmount = () => {
    unmountView?.();
    unmountAlarms?.();
    unmountShiftLog?.();
  };
  performance.mark('cb:first-render', { detail: { view: user.role } });
  document.body.dataset.ready = 'true';
  main.focus({ preventScroll: true });
}

onUnauthenticated(() => {
  if (running) showLogin('Your session ended; log in again.');
});

logout.addEventListener('click', async () => {
  try {
    await del('/sessions/current');
  } catch {
    // The server may be unreachable; the page forgets the user either way.
  }
  location.hash = '';
  showLogin('Logged out.');
});
help.addEventListener('click', () => keys.showHelp());
// A printed incident shows every section, collapsed ones too.
window.addEventListener('beforeprint', () => {
  for (const d of main.querySelectorAll('details:not([open])')) {
    d.open = true;
    d.dataset.openedForPrint = 'true';
  }
});
window.addEventListener('afterprint', () => {
  for (const d of main.querySelectorAll('details[data-opened-for-print]')) {
    d.open = false;
    delete d.dataset.openedForPrint;
  }
});

try {
  const user = await get('/me');
  await start(user);
} catch (e) {
  if (e.status === 401) showLogin();
  else {
    main.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: `The console could not start: ${e.message}` }));
    console.error(e);
  }
}
