// Crisis facility staff: the agency's facilities with their availability — status, beds and
// chairs free, when last reported, stale after the deployment's time — updated in one form; and
// the teams coming, each with who they bring and when they are expected, to take over or turn
// away (no bed or chair, or another reason). Kept current from the live stream and every 30 s.

import { get, post, act } from '../api.js';
import { h, replace, field, announce, actionButton } from '../dom.js';
import * as live from '../live.js';
import * as fmt from '../format.js';
import { contactText } from '../contact.js';
import { KINDS } from '../destinations.js';

const STATUSES = { accepting: 'Accepting', diversion: 'On diversion', closed: 'Closed' };

export async function mount(main, { user }) {
  const facilitiesEl = h('div', {});
  const incomingEl = h('div', { 'aria-live': 'polite' });
  main.replaceChildren(h('div', { class: 'layout' },
    h('nav', { class: 'sidebar', 'aria-label': 'Facilities' }, h('h1', {}, user.agency.name), h('h2', { class: 'section-title' }, 'Our facilities'), facilitiesEl),
    h('section', { class: 'workspace', 'aria-label': 'Teams coming' }, h('h2', {}, 'Teams coming'), incomingEl)));
  let mine = [];

  async function loadFacilities() {
    mine = (await get('/facilities')).filter((f) => f.agency === user.agency.id);
    replace(facilitiesEl, mine.length ? mine.map(availabilityCard) : h('p', { class: 'empty' }, 'Your agency runs no facility on file.'));
  }

  function availabilityCard(f) {
    const status = h('select', { 'data-field': 'status' }, Object.entries(STATUSES).map(([v, l]) => h('option', { value: v, selected: f.status === v }, l)));
    const beds = h('input', { type: 'number', min: 0, 'data-field': 'beds', value: f.beds_free ?? '' });
    const chairs = h('input', { type: 'number', min: 0, 'data-field': 'chairs', value: f.chairs_free ?? '' });
    const count = (el) => (el.value === '' ? undefined : Number(el.value));
    const save = actionButton('Report availability', async () => {
      const updated = await post(`/facilities/${f.id}/availability`, { status: status.value, beds_free: count(beds), chairs_free: count(chairs) });
      announce(`${updated.name}: ${STATUSES[updated.status]}.`);
      await loadFacilities();
    }, { class: 'primary', 'data-action': 'report-availability' });
    return h('section', { class: 'card', 'data-facility': f.id },
      h('h3', {}, f.name),
      h('p', { class: 'hint' }, `${KINDS[f.kind] ?? f.kind} · ${f.address}`),
      h('p', { class: f.stale ? 'alarm' : 'hint', 'data-stale': String(f.stale) },
        `Last reported ${fmt.ago(f.updated_at)}${f.stale ? ': stale — teams are told to call ahead. Report now.' : '.'}`),
      h('div', { class: 'field-row' }, field('Status', status), field('Beds free', beds), field('Chairs free', chairs)), save.both);
  }

  async function loadIncoming() {
    const incoming = await get('/facilities/incoming');
    const nameOf = (id) => mine.find((f) => f.id === id)?.name ?? 'our facility';
    replace(incomingEl, incoming.length ? h('ol', { class: 'list' }, incoming.map((x) => {
      const i = x.incident;
      const reason = h('input', { type: 'text', maxlength: 500, 'data-field': 'refuse-reason', placeholder: 'Why (e.g. no bed free until 18:00)' });
      return h('li', { class: 'card', 'data-incident': i.id },
        h('p', {}, h('strong', {}, `${x.team_name ?? 'A team'} → ${nameOf(x.facility)}`),
          x.expected_at ? ` · expected ${fmt.clock(x.expected_at)} (${x.expected_at > Date.now() ? `in ${fmt.duration((x.expected_at - Date.now()) / 1000)}` : 'due now'}${x.expected_from === 'gps' ? ', from the team\'s position' : ''})` : ''),
        h('p', {}, i.summary),
        contactText(i.contact) ? h('p', { class: 'person' }, contactText(i.contact)) : null,
        h('div', { class: 'field-row' },
          actionButton('Take the person over', async () => {
            await act(i.id, { action: 'accept_handover', facility: x.facility });
            announce('Hand-over recorded.');
            await loadIncoming();
          }, { class: 'ok', 'data-action': 'accept-handover' }).both,
          reason,
          actionButton('Turn away: no room', async () => {
            await act(i.id, { action: 'refuse_handover', facility: x.facility, no_room: true, reason: reason.value || 'no bed or chair free' });
            await loadIncoming();
          }, { class: 'danger', 'data-action': 'refuse-no-room' }).both));
    })) : h('p', { class: 'empty' }, 'No team is on its way.'));
  }

  const refresh = () => Promise.all([loadFacilities(), loadIncoming()]).catch(() => {});
  let timer = null;
  const unsubscribe = live.subscribe((m) => {
    if (m.resync || ['destination_chosen', 'handover_accepted', 'handover_refused', 'team_status_changed'].includes(m.kind)) {
      clearTimeout(timer);
      timer = setTimeout(loadIncoming, 150);
    }
  });
  const every = setInterval(refresh, 30_000);
  await loadFacilities();
  await loadIncoming();
  return () => {
    unsubscribe();
    clearInterval(every);
    clearTimeout(timer);
  };
}
