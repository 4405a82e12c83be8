// The mobile responder, on a phone: which team I am on, the current assignment (where, who,
// what the call-taker and counselor learned), big status buttons, and — while on duty — the
// phone's GPS position sent every few seconds from the browser's geolocation.

import { contactText } from '../contact.js';
import { get } from '../api.js';
import { h, replace, announce, actionButton } from '../dom.js';
import { IncidentFeed } from '../incident-feed.js';
import { noteForm } from '../incident-detail.js';
import { destinationCard } from '../destinations.js';
import { listTeams, setStatus, setShift, sendFixes, teamCrew, teamStatus, NOT_AVAILABLE } from '../teams.js';
import * as fmt from '../format.js';
import { AreaMap } from '../map.js';
import { locationLine } from '../places.js';

const STORAGE = 'crisisbridge.responder.team';
/** Whether this phone was on duty (sharing its position), so a reload goes on sharing. */
const DUTY = 'crisisbridge.responder.on-duty';
/** Statuses a responder sets from the field, in the order of a call. */
const FIELD_STATUSES = ['en_route', 'on_scene', 'transporting', 'at_facility', 'available', 'out_of_service'];
/** Fixes are batched and sent at most this often. */
const SEND_EVERY_MS = 5000;

export async function mount(main, { user }) {
  const root = h('div', { class: 'phone' });
  main.replaceChildren(root);
  const teams = await listTeams();
  if (teams === null) {
    replace(root, h('h1', {}, 'Responder'), h('p', { class: 'alarm', role: 'status' }, NOT_AVAILABLE));
    return () => {};
  }
  const ours = teams.filter((t) => t.provider === user.agency.id);
  let team = ours.find((t) => t.id === localStorage.getItem(STORAGE)) ?? null;
  let assignment = null;
  let mapFor = null;
  let watch = null;
  let queue = [];
  let lastSent = null;
  let sendTimer = null;
  const gpsState = h('p', { class: 'hint', role: 'status' });

  function render() {
    if (!team) {
      replace(root, h('h1', {}, 'Which team are you on?'),
        ours.length ? h('ul', { class: 'list' }, ours.map((t) => h('li', {}, h('button', { type: 'button', class: 'item', onclick: () => choose(t) }, h('strong', {}, t.name), h('span', { class: 'item-meta' }, ` ${teamStatus(t.status)}`), teamCrew(t)))))
          : h('p', { class: 'empty' }, 'Your agency has no teams.'));
      return;
    }
    const duty = h('input', { type: 'checkbox', id: 'on-duty', checked: watch !== null, onchange: (e) => (e.target.checked ? startGps() : stopGps()) });
    if (watch === null && localStorage.getItem(DUTY) === '1') {
      duty.checked = true;
      startGps();
    }
    replace(root,
      h('h1', {}, team.name),
      h('p', { 'data-team-status': team.status }, h('span', { class: `status-dot s-${team.status}` }), h('strong', {}, teamStatus(team.status)), ` since ${fmt.clock(team.status_since)}`),
      h('section', { class: 'card', 'aria-label': 'Current assignment' }, h('h2', {}, 'Current assignment'), assignmentBlock()),
      h('h2', {}, 'Status'),
      h('div', { class: 'status-grid', role: 'group', 'aria-label': 'Set the team status' },
        FIELD_STATUSES.map((s) => actionButton(teamStatus(s), async () => {
          team = await setStatus(team.id, s);
          announce(`Status: ${teamStatus(s)}`);
          // Off duty: the phone stops reporting where its holder is.
          if (s === 'out_of_service') stopGps();
          render();
        }, { 'aria-pressed': String(team.status === s), 'data-status': s }).button)),
      team.shift ? h('section', { class: 'card', 'aria-label': 'Shift' },
        h('p', {}, team.shift === 'on' ? 'On shift.' : 'Off shift: the team is out of service until the shift starts.'),
        actionButton(team.shift === 'on' ? 'End shift' : 'Start shift', async () => {
          const on = team.shift !== 'on';
          team = await setShift(team.id, on);
          if (!on) stopGps();
          announce(on ? 'Shift started.' : 'Shift ended.');
          render();
        }, { class: team.shift === 'on' ? '' : 'primary', 'data-action': 'shift' }).both) : null,
      h('section', { class: 'card', 'aria-label': 'Location sharing' },
        h('label', { class: 'toggle', for: 'on-duty' }, duty, 'On duty: share my location'),
        gpsState,
        window.isSecureContext ? null : h('p', { class: 'error' }, 'The browser only shares location over HTTPS (or on this machine): ask for the console\'s https address.')),
      h('p', {}, h('button', { type: 'button', class: 'quiet', onclick: () => { stopGps(); team = null; localStorage.removeItem(STORAGE); render(); } }, 'Change team')));
  }

  /** A small map of where the assignment is (and the team, when its position is known), with
   *  the streets where the server has them. Kept while the assignment is the same. */
  function assignmentMap(i) {
    const c = fmt.centre(i.location);
    if (!c) return null;
    const where = `${c.lat},${c.lon}`;
    if (mapFor?.id !== i.id) {
      const map = new AreaMap({ label: `Map: the assignment is at ${fmt.location(i.location)}`, className: 'small-map responder-map' });
      map.load().catch((e) => map.message(`The map could not load: ${e.message}`));
      mapFor = { id: i.id, map, where: null };
    }
    if (mapFor.where !== where) {
      // A new location for the same assignment moves the pin and the view with it.
      const { map } = mapFor;
      map.setMarkers('pin', [{ id: 'pin', ...c, shape: 'pin', cls: 'pin', radius_m: i.location.radius_m, title: 'The assignment' }]);
      map.load().then(() => map.fit([c], { min: 1.5 })).catch(() => {});
      mapFor.where = where;
    }
    return mapFor.map.el;
  }

  function assignmentBlock() {
    if (!team.incident) return h('p', { class: 'empty' }, 'No assignment. Stay available.');
    if (!assignment || assignment.id !== team.incident) return h('p', { class: 'hint' }, 'Loading the assignment…');
    const i = assignment;
    return h('div', {},
      h('p', { class: 'outcome' }, i.summary || 'No summary'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Where'), h('dd', {}, i.address ? [h('span', { class: 'address' }, i.address), h('br')] : null, locationLine(i.location),
          fmt.centre(i.location) ? [' ', h('a', { href: `geo:${fmt.centre(i.location).lat},${fmt.centre(i.location).lon}?q=${fmt.centre(i.location).lat},${fmt.centre(i.location).lon}`, 'data-action': 'navigate' }, 'Navigate')] : null),
        contactText(i.contact) ? [h('dt', {}, 'Person'), h('dd', { class: 'person' }, contactText(i.contact))] : null,
        h('dt', {}, 'Callback'), h('dd', {}, i.callback_number ? h('a', { href: `tel:${i.callback_number}` }, i.callback_number) : '—'),
        h('dt', {}, 'Triage'), h('dd', {}, i.triage ? fmt.outcome(i.triage.outcome) : '—')),
      i.notes.length ? h('ul', { class: 'timeline' }, i.notes.map((n) => h('li', {}, h('time', {}, fmt.clock(n.at)), n.text))) : null,
      assignmentMap(i),
      ['on_scene', 'transporting', 'at_facility'].includes(team.status) || i.destination
        ? destinationCard(i, { team: team.id, onChosen: (r) => { assignment = r.incident; render(); } })
        : null,
      noteForm(i, (u) => { assignment = u; render(); }));
  }

  async function loadAssignment() {
    assignment = team?.incident ? await get(`/incidents/${team.incident}`).catch(() => null) : null;
    render();
  }

  function choose(t) {
    team = t;
    localStorage.setItem(STORAGE, t.id);
    loadAssignment();
  }

  function startGps() {
    if (!('geolocation' in navigator)) {
      gpsState.textContent = 'This browser cannot share its location.';
      return;
    }
    watch = navigator.geolocation.watchPosition((p) => {
      queue.push({
        at: p.timestamp || Date.now(), lat: p.coords.latitude, lon: p.coords.longitude,
        accuracy_m: p.coords.accuracy ?? undefined, speed_mps: p.coords.speed ?? undefined, heading_deg: p.coords.heading ?? undefined,
      });
      if (!sendTimer) sendTimer = setTimeout(flush, lastSent && Date.now() - lastSent < SEND_EVERY_MS ? SEND_EVERY_MS : 0);
    }, (e) => { gpsState.textContent = `Location unavailable: ${e.message}`; }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    localStorage.setItem(DUTY, '1');
    gpsState.textContent = 'Waiting for the first position…';
  }

  function stopGps() {
    localStorage.removeItem(DUTY);
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    clearTimeout(sendTimer);
    sendTimer = null;
    gpsState.textContent = 'Location sharing is off.';
  }

  async function flush() {
    sendTimer = null;
    if (!queue.length || !team) return;
    const fixes = queue;
    queue = [];
    try {
      const after = await sendFixes(team.id, fixes);
      if (after) team = after;
      lastSent = Date.now();
      const f = fixes.at(-1);
      gpsState.textContent = `Position sent at ${fmt.clock(lastSent)} (± ${Math.round(f.accuracy_m ?? 0)} m).`;
    } catch (e) {
      // Keep the fixes and try again with the next batch: nothing is dropped while offline.
      queue = fixes.concat(queue).slice(-500);
      gpsState.textContent = `Position not sent (${e.message}); retrying.`;
      sendTimer = setTimeout(flush, SEND_EVERY_MS);
    }
  }

  const feed = new IncidentFeed({
    onIncident: (incident) => {
      if (incident.id === team?.incident) {
        assignment = incident;
        render();
      }
    },
    onTeam: (_kind, t) => {
      if (t?.id !== team?.id) return;
      const before = team.incident;
      team = t;
      if (t.incident !== before) {
        if (t.incident) announce('New assignment.');
        loadAssignment();
      } else if (_kind === 'team_status') render();
    },
    onResync: async () => {
      const fresh = await listTeams().catch(() => null);
      team = fresh?.find((t) => t.id === team?.id) ?? team;
      loadAssignment();
    },
  });
  feed.load = async () => {};

  render();
  if (team) await loadAssignment();
  return () => {
    // Logging out goes off duty: the next person on this phone decides for themselves.
    stopGps();
    feed.close();
  };
}
