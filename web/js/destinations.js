// Somewhere to go: for a team on scene, every crisis facility ranked for the person — eligible
// first (age band, involuntary hold, intoxication), then by room (a facility on diversion or
// without a bed is never above one with room, and says so), then by travel time — each with its
// reason; choosing one tells the facility the team is coming. Once chosen: where, when expected,
// and whether the facility took the person over.

import { get, act } from './api.js';
import { h, replace, announce, actionButton } from './dom.js';
import * as fmt from './format.js';

export const KINDS = {
  crisis_receiving: 'Crisis receiving center',
  crisis_stabilization: 'Crisis stabilization unit',
  walk_in_clinic: 'Walk-in clinic',
  detox: 'Detox',
  shelter: 'Shelter',
  emergency_department: 'Emergency department',
};

export const ROOM = { free: 'Room', stale: 'Stale report', full: 'Full', diversion: 'On diversion', closed: 'Closed' };

let names = null;
let loaded = new Map();
/** Facility names by id, fetched once per page. */
export async function facilityNames() {
  if (!names) {
    names = get('/facilities').then((list) => new Map(list.map((f) => [f.id, f.name]))).catch(() => new Map());
    names.then((n) => { loaded = n; });
  }
  return names;
}

/** A facility's name if the names are loaded (they are asked for the first time here). */
export function facilityName(id) {
  facilityNames();
  return loaded.get(id) ?? 'the chosen facility';
}

/**
 * The destination card of an incident for its team: the choice made, or the ranked list.
 * `team`: the team choosing; `onChosen(result)` after a choice.
 */
export function destinationCard(incident, { team, onChosen }) {
  const card = h('section', { class: 'card', 'data-section': 'destination', 'aria-label': 'Where to take the person' },
    h('h2', {}, 'Where to take the person'));
  const d = incident.destination;
  const body = h('div', {});
  card.append(body);
  if (d) {
    const name = h('strong', {}, 'the facility');
    facilityNames().then((n) => { name.textContent = n.get(d.facility) ?? 'the facility'; });
    const expected = d.eta_s != null ? fmt.clock(d.chosen_at + d.eta_s * 1000) : null;
    replace(body, h('p', { role: 'status', 'data-destination': d.facility },
      d.handed_over_at ? ['Handed over at ', name, ` at ${fmt.clock(d.handed_over_at)}.`]
        : ['Taking the person to ', name, expected ? `, expected ${expected}` : '', '. The facility has been told.']));
    if (d.handed_over_at) return card;
  }
  const involuntary = h('input', { type: 'checkbox', 'data-field': 'involuntary' });
  const intoxicated = h('input', { type: 'checkbox', 'data-field': 'intoxicated' });
  const list = h('div', { class: 'destinations' });
  const find = actionButton(d ? 'Choose another place' : 'Find a place', async () => {
    const q = new URLSearchParams({ involuntary: String(involuntary.checked), intoxicated: String(intoxicated.checked) });
    const ranked = await get(`/incidents/${incident.id}/destinations?${q}`);
    replace(list, ranked.length ? h('ol', { class: 'list' }, ranked.map((r) => h('li', { 'data-facility': r.facility.id, 'data-room': r.room, 'data-eligible': String(r.eligible) },
      h('div', { class: `item${r.eligible && r.room === 'free' ? '' : ' muted'}` },
        h('strong', {}, r.facility.name), ' ',
        h('span', { class: `badge${r.room === 'free' ? '' : r.room === 'stale' ? ' warn' : ' bad'}` }, r.eligible ? ROOM[r.room] : 'Not eligible'),
        h('span', { class: 'item-meta' }, ` ${KINDS[r.facility.kind] ?? r.facility.kind} · ${r.facility.address}`),
        h('span', { class: 'item-meta reason' }, r.reason),
        r.eligible ? actionButton('Take the person here', async () => {
          const result = await act(incident.id, { action: 'choose_destination', facility: r.facility.id, team });
          announce(`Destination: ${r.facility.name}.`);
          onChosen?.(result);
        }, { 'data-action': 'choose-destination' }).both : null))))
      : h('p', { class: 'empty' }, 'No crisis facilities are on file.'));
  }, { 'data-action': 'find-destination' });
  body.append(h('div', { class: 'field-row' },
    h('label', {}, involuntary, ' Held involuntarily'), h('label', {}, intoxicated, ' Intoxicated'), find.both), list);
  return card;
}
