// The 911 call-taker: open an incident with the caller's location (coordinates or a map
// click) and see who serves it; answer the diversion protocol one question at a time and get
// the outcome with its reason; act on it (transfer to 988, offer to the mobile crisis team,
// leave it for the embedded clinician, or hand it to police / EMS) and watch the transfer live.
// Keyboard first: N new incident, T transfer to 988, M mobile crisis, C close, A / D accept or
// decline a call offered to the PSAP (a 988 handoff), L the list.

import { act, post } from '../api.js';
import { h, field, replace, announce, actionButton } from '../dom.js';
import { IncidentList } from '../incident-list.js';
import { IncidentFeed } from '../incident-feed.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, routesTable, transferState, timeline, noteForm, closeForm, offerCard, decisionRecord } from '../incident-detail.js';
import { triagePanel } from '../triage.js';
import { locationForm } from '../location-form.js';
import { AreaMap } from '../map.js';
import { agencyName } from '../directory.js';
import * as fmt from '../format.js';
import { phonePanel } from '../phone.js';
import * as keys from '../shortcuts.js';
import { searchButton } from '../search.js';
import { priorContactsCard } from '../prior.js';
import { contactFields, contactCard } from '../contact.js';

const MCT = 'urn:crisisbridge:service:mobile-crisis';

export async function mount(main, { user, channel = '911', title = 'Call-taker' }) {
  const mine = user.agency.id;
  const workspace = h('section', { class: 'workspace', 'aria-label': 'Workspace' });
  const newButton = h('button', { type: 'button', class: 'primary', 'aria-keyshortcuts': 'N', onclick: () => showNew() }, 'New incident ', h('kbd', {}, 'N'));
  const offeredToMe = (i) => i.transfer?.to === mine;
  const list = new IncidentList({
    label: 'Open incidents',
    empty: 'No open incidents.',
    filter: (i) => i.status !== 'closed',
    // Calls offered to this PSAP (a 988 imminent-risk handoff) first, then the latest.
    sort: (a, b) => offeredToMe(b) - offeredToMe(a) || b.updated_at - a.updated_at,
    describe: (i) => (i.holder === mine ? (i.address ?? fmt.location(i.location)) : `Held by ${agencyName(i.holder)}`),
    onSelect: (i) => select(i.id),
  });
  const searchSlot = h('span', {});
  main.replaceChildren(h('div', { class: 'layout' },
    h('nav', { class: 'sidebar', 'aria-label': 'Incidents' },
      h('div', { class: 'section-title' }, h('h1', {}, title), h('span', { class: 'title-actions' }, searchSlot, newButton)),
      phonePanel({ channel }).el,
      h('h2', { class: 'section-title' }, 'Open incidents'), list.el),
    workspace));

  const panel = new IncidentPanel(workspace, [
    {
      name: 'offer',
      render: (i) => offerCard(i, mine, {
        onAccepted: (r) => { panel.update(r.incident, r.events); list.upsert(r.incident, { fresh: false }); announce('Accepted: the call is yours.'); },
        onDeclined: (r) => { list.upsert(r.incident, { fresh: false }); panel.clear('Declined: the next PSAP on the route is offered the call.'); },
      }),
    },
    { name: 'summary', column: 'side', render: (i) => summaryCard(i) },
    { name: 'map', column: 'side', key: (i) => [i.id, i.location], render: (i) => locationMap(i) },
    { name: 'prior', column: 'side', key: (i) => [i.id, i.callback_number], render: (i) => priorContactsCard(i, (id) => select(id)) },
    { name: 'routing', column: 'side', key: (i) => i.routes, render: (i) => h('section', { class: 'card', 'aria-label': 'Routing' }, h('h2', {}, 'Routing answer'), routesTable(i.routes)) },
    {
      name: 'triage',
      key: (i) => [i.id, i.triage?.at ?? null, i.holder === mine && i.status !== 'closed', i.overrides?.length ?? 0],
      render: (i) => (i.holder === mine && i.status !== 'closed') || i.triage
        ? triagePanel(i, { title: channel === '911' ? 'Diversion protocol' : 'Risk assessment', onDecided: (_d, updated) => { panel.update(updated); focusNext(); } })
        : null,
    },
    { name: 'record', key: (i) => [i.overrides, i.triage_history?.length], render: (i) => decisionRecord(i) },
    { name: 'next', render: (i, events) => nextStep(i, events) },
    { name: 'transfer', render: (i, events) => transferState(i, events) },
    { name: 'forms', key: (i) => [i.id, i.holder === mine, i.status === 'closed'], render: (i) => forms(i) },
    { name: 'contact', column: 'side', key: (i) => [i.id, i.contact, i.status === 'closed'], render: (i) => (i.status === 'closed' ? null : contactCard(i, (r) => panel.update(r.incident, r.events))) },
    { name: 'timeline', column: 'side', render: (_i, events) => timeline(events) },
  ]);

  function locationMap(i) {
    const c = fmt.centre(i.location);
    if (!c) return null;
    const map = new AreaMap({ label: `Map: the caller is at ${fmt.location(i.location)}`, className: 'small-map' });
    map.setMarkers('pin', [{ id: 'pin', ...c, shape: 'pin', cls: 'pin', radius_m: i.location.radius_m, title: 'The caller' }]);
    map.load().then(() => map.fit([c])).catch((e) => map.message(`The map could not load: ${e.message}`));
    return h('section', { class: 'card', 'aria-label': 'Location' }, map.el);
  }

  function nextStep(i, events) {
    if (i.status === 'closed' || (!i.triage && !i.overrides?.length)) return null;
    const overridden = new Set((i.overrides ?? []).map((o) => o.destination));
    const outcome = overridden.has('988') ? 'divert_988' : overridden.has('mobile_crisis') ? 'mobile_crisis' : i.recommended_action;
    const card = (...children) => h('section', { class: 'card next-step', 'aria-label': 'Next step' }, h('h2', {}, 'Next step'), ...children);
    if (i.holder !== mine) return card(h('p', {}, `${agencyName(i.holder)} has the call now.`));
    if (i.transfer) return card(h('p', {}, 'Stay on the line: the transfer is under way.'));
    const returned = events.at(-1)?.kind === 'transfer_returned' || events.filter((e) => e.kind.startsWith('transfer_')).at(-1)?.kind === 'transfer_returned';
    if (outcome === 'divert_988') {
      return card(h('p', {}, returned ? 'Nobody at 988 took the call. Offer it again, or call the center.' : overridden.has('988') ? 'A supervisor\'s override sends this call to 988.' : 'The protocol sends this call to 988.'),
        actionButton(['Transfer to 988 ', h('kbd', {}, 'T')], () => transfer988(i), { class: 'primary', 'data-action': 'divert_988', 'aria-keyshortcuts': 'T' }).both);
    }
    if (outcome === 'mobile_crisis') {
      return card(h('p', {}, 'The protocol sends a mobile crisis team.'),
        actionButton(['Offer to the mobile crisis team ', h('kbd', {}, 'M')], () => offerMct(i), { class: 'primary', 'data-action': 'offer_mct', 'aria-keyshortcuts': 'M' }).both);
    }
    if (outcome === 'embedded_clinician') {
      return card(h('p', {}, i.clinician ? 'The embedded clinician has the call.' : 'The call waits in the embedded-clinician queue; the clinician takes it from there.'));
    }
    return card(h('p', { class: 'alarm' }, `${fmt.outcome(outcome)}: dispatch through CAD now. This call is not diverted.`),
      actionButton(['Close as handled by emergency services ', h('kbd', {}, 'C')], () => closeAs(i, 'handled_by_emergency_services'), { 'data-action': 'close_emergency' }).both);
  }

  function forms(i) {
    if (i.status === 'closed') return null;
    const parts = [noteForm(i, (u) => panel.update(u))];
    if (i.holder === mine) {
      const loc = locationForm({ label: 'A better location', withMap: false, initial: i.location.type === 'point' ? i.location : undefined, initialAddress: i.address ?? undefined });
      const { both } = actionButton('Update location', async () => {
        const v = loc.value();
        if (v.type === 'unknown') throw new Error('Give latitude and longitude.');
        const r = await act(i.id, { action: 'update_location', location: v, address: loc.address() });
        panel.update(r.incident, r.events);
      });
      parts.push(h('details', {}, h('summary', {}, 'Update the location'), loc.el, both));
      parts.push(h('details', {}, h('summary', {}, 'Close the incident'), closeForm(i, (u) => panel.update(u))));
    }
    return h('section', { class: 'card', 'aria-label': 'Notes and closing' }, parts);
  }

  async function transfer988(i) {
    const r = await act(i.id, { action: 'divert_988' });
    panel.update(r.incident, r.events);
    list.upsert(r.incident, { fresh: false });
    announce(`Offered to ${agencyName(r.incident.transfer?.to)}`);
  }

  async function offerMct(i) {
    const reason = i.triage ? `mobile crisis team: rule ${i.triage.rule} of ${i.triage.protocol} v${i.triage.protocol_version}` : 'mobile crisis team by override';
    const r = await act(i.id, { action: 'offer_transfer', service: MCT, reason });
    panel.update(r.incident, r.events);
    announce(`Offered to ${agencyName(r.incident.transfer?.to)}`);
  }

  async function closeAs(i, disposition) {
    const r = await act(i.id, { action: 'close', disposition, remark: '' });
    panel.update(r.incident, r.events);
    list.upsert(r.incident);
  }

  function focusNext() {
    requestAnimationFrame(() => workspace.querySelector('.next-step button')?.focus());
  }

  async function select(id) {
    list.select(id);
    await panel.show(id);
    location.hash = `#incident/${id}`;
  }

  function showNew() {
    list.select(null);
    panel.clear();
    const summary = h('textarea', { maxlength: 4000, required: true, name: 'summary' });
    const callback = h('input', { type: 'tel', name: 'callback', autocomplete: 'off', placeholder: '785-555-0100' });
    const loc = locationForm({ callback });
    const person = contactFields();
    const error = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Open incident ', h('kbd', {}, 'Ctrl'), '+', h('kbd', {}, 'Enter'));
    const form = h('form', { class: 'new-incident', 'aria-labelledby': 'new-title' },
      h('h2', { id: 'new-title' }, channel === '911' ? 'New 911 incident' : 'New 988 contact'),
      h('div', { class: 'split' },
        h('div', {}, field('What the caller says', summary), field('Callback number', callback, '10 digits, or + and 8–15 digits'), person.el, error, h('div', { class: 'actions' }, submit)),
        loc.el));
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      try {
        const incident = await post('/incidents', { channel, location: loc.value(), address: loc.address(), callback_number: callback.value || undefined, summary: summary.value, ...person.value() });
        list.upsert(incident, { fresh: false });
        announce('Incident opened; the protocol\'s first question is on screen.');
        await select(incident.id);
      } catch (err) {
        error.textContent = err.message;
      } finally {
        submit.disabled = false;
      }
    });
    replace(workspace, form);
    summary.focus();
  }

  const feed = new IncidentFeed({
    query: channel === '988' ? '?channel=988' : '',
    onList: (incidents) => {
      list.set(incidents);
      list.select(panel.id);
    },
    onIncident: (incident, events) => {
      const wasOffered = offeredToMe(list.incidents.get(incident.id) ?? {});
      list.upsert(incident);
      if (!wasOffered && offeredToMe(incident)) announce(`Offered to you by ${agencyName(incident.transfer.from)}: ${incident.summary}`);
      if (incident.id === panel.id) panel.update(incident, events);
    },
    onResync: () => panel.id && panel.show(panel.id),
    announceNew: (i) => `New incident: ${i.summary}`,
  });

  keys.bind('n', 'New incident', showNew);
  keys.bind('t', 'Transfer to 988 (when the protocol says so)', () => workspace.querySelector('[data-action="divert_988"]')?.click());
  keys.bind('m', 'Offer to the mobile crisis team (when the protocol says so)', () => workspace.querySelector('[data-action="offer_mct"]')?.click());
  keys.bind('c', 'Close as handled by emergency services (safety outcomes)', () => workspace.querySelector('[data-action="close_emergency"]')?.click());
  keys.bind('a', 'Accept the offer on screen', () => workspace.querySelector('[data-action="accept"]')?.click());
  keys.bind('d', 'Decline the offer on screen', () => workspace.querySelector('[data-action="decline"]')?.click());
  keys.bind('l', 'Go to the incident list', () => list.focusFirst());
  searchSlot.append(searchButton({ workspace, panel, select, bind: keys.bind }));

  await feed.load();
  const fromHash = /^#incident\/([0-9a-f-]{36})$/.exec(location.hash)?.[1];
  if (fromHash) await select(fromHash).catch(() => showNew());
  else showNew();
  return () => feed.close();
}
