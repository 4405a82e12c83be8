// The embedded clinician: the PSAP's clinician queue (waiting calls first, the longest wait on
// top, then the calls clinicians hold), what the call-taker already learned, claim and put
// back, notes, and the outcome (closing with a disposition). Keys: K claim, Q the queue.

import { act, get } from '../api.js';
import { h, field, announce, actionButton } from '../dom.js';
import { IncidentList } from '../incident-list.js';
import { IncidentFeed } from '../incident-feed.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, timeline, noteForm, closeForm, setPersonNames } from '../incident-detail.js';
import { recordedDecision } from '../triage.js';
import * as fmt from '../format.js';
import * as keys from '../shortcuts.js';
import { searchButton } from '../search.js';
import { priorContactsCard } from '../prior.js';

export async function mount(main, { user }) {
  const workspace = h('section', { class: 'workspace', 'aria-label': 'Workspace' });
  const waitingSince = (i) => i.triage?.at ?? i.opened_at;
  const queue = new IncidentList({
    label: 'Clinician queue',
    empty: 'Nobody is waiting for a clinician.',
    filter: (i) => i.awaits_clinician,
    sort: (a, b) => waitingSince(a) - waitingSince(b),
    describe: (i) => `Waiting ${fmt.duration((Date.now() - waitingSince(i)) / 1000)}`,
    onSelect: (i) => select(i.id),
  });
  const held = new IncidentList({
    label: 'Calls clinicians hold',
    empty: 'No call is held.',
    filter: (i) => !!i.clinician && i.status !== 'closed',
    describe: (i) => (i.clinician.user === user.id ? 'You have this call' : 'Another clinician has this call'),
    onSelect: (i) => select(i.id),
  });
  const lists = [queue, held];
  // Who this PSAP's calls can be handed to; the view works without it.
  const colleagues = await get('/clinicians').catch(() => []);
  // The timeline names the clinician who took, put back or handed on a call.
  setPersonNames(colleagues);
  const searchSlot = h('span', {});
  main.replaceChildren(h('div', { class: 'layout' },
    h('nav', { class: 'sidebar', 'aria-label': 'Clinician queue' },
      h('div', { class: 'section-title' }, h('h1', {}, 'Embedded clinician'), searchSlot),
      h('h2', { class: 'section-title' }, 'Waiting'), queue.el,
      h('h2', { class: 'section-title' }, 'Held'), held.el),
    workspace));

  const panel = new IncidentPanel(workspace, [
    // Redrawn only when who holds the call changes, so a half-filled form is not lost.
    { name: 'claim', key: (i) => [i.id, i.status, i.awaits_clinician, i.clinician?.user], render: (i) => claimCard(i) },
    { name: 'summary', render: (i) => summaryCard(i) },
    { name: 'prior', key: (i) => [i.id, i.callback_number], render: (i) => priorContactsCard(i, (id) => select(id)) },
    { name: 'learned', key: (i) => [i.id, i.triage?.at], render: (i) => (i.triage ? h('section', { class: 'card' }, h('h2', {}, 'What the call-taker learned'), recordedDecision(i)) : null) },
    { name: 'forms', key: (i) => [i.id, i.clinician?.user, i.status], render: (i) => forms(i) },
    { name: 'timeline', render: (_i, events) => timeline(events) },
  ]);

  function claimCard(i) {
    if (i.status === 'closed') return null;
    if (i.awaits_clinician) {
      return h('section', { class: 'card' }, h('h2', {}, 'Waiting for a clinician'),
        actionButton(['Claim this call ', h('kbd', {}, 'K')], async () => {
          const r = await act(i.id, { action: 'claim_clinician' });
          panel.update(r.incident, r.events);
          update(r.incident);
          announce('You have the call.');
        }, { class: 'primary', 'data-action': 'claim', 'aria-keyshortcuts': 'K' }).both);
    }
    if (i.clinician?.user === user.id) {
      const reason = h('input', { type: 'text', maxlength: 500, value: 'needs another clinician' });
      return h('section', { class: 'card' }, h('h2', {}, 'You have this call'),
        h('p', { class: 'hint' }, `Since ${fmt.clock(i.clinician.since)}.`),
        h('details', {}, h('summary', {}, 'Put it back in the queue'), field('Why', reason),
          actionButton('Put back', async () => {
            const r = await act(i.id, { action: 'release_clinician', reason: reason.value || 'released' });
            panel.update(r.incident, r.events);
            update(r.incident);
          }).both),
        handOnForm(i));
    }
    return i.clinician ? h('p', { class: 'hint' }, 'Another clinician has this call.') : null;
  }

  // Hand the call straight to a colleague (no wait in the queue).
  function handOnForm(i) {
    const others = colleagues.filter((c) => c.id !== user.id);
    if (!others.length) return null;
    const to = h('select', {}, others.map((c) => h('option', { value: c.id }, `${c.display_name} (${c.role})`)));
    return h('details', { 'data-form': 'hand-on' }, h('summary', {}, 'Hand to another clinician'), field('To', to),
      actionButton('Hand on', async () => {
        const r = await act(i.id, { action: 'hand_clinician_to', clinician: to.value });
        panel.update(r.incident, r.events);
        update(r.incident);
        announce(`Handed to ${to.selectedOptions[0]?.textContent ?? 'another clinician'}.`);
      }).both);
  }

  function forms(i) {
    if (i.status === 'closed') return null;
    const parts = [noteForm(i, (u) => panel.update(u))];
    if (i.clinician?.user === user.id) parts.push(h('h3', {}, 'Outcome'), closeForm(i, (u) => { panel.update(u); update(u); }));
    return h('section', { class: 'card', 'aria-label': 'Notes and outcome' }, parts);
  }

  function update(incident) {
    for (const l of lists) l.upsert(incident, { fresh: false });
  }

  async function select(id) {
    for (const l of lists) l.select(id);
    await panel.show(id);
  }

  async function loadQueue() {
    const calls = await get('/clinician-queue');
    for (const l of lists) {
      l.set(calls);
      l.select(panel.id);
    }
  }

  const feed = new IncidentFeed({
    // The queue is its own endpoint; the feed only brings changed incidents.
    onIncident: (incident, events) => {
      const wasQueued = queue.incidents.has(incident.id);
      if (incident.holder === user.agency.id) update(incident);
      if (!wasQueued && incident.awaits_clinician) announce(`A call waits for a clinician: ${incident.summary}`);
      if (incident.id === panel.id) panel.update(incident, events);
    },
    onResync: () => panel.id && panel.show(panel.id),
  });
  // After a reconnect the feed reloads "its list": for this view, the queue.
  feed.load = loadQueue;

  keys.bind('k', 'Claim the call on screen', () => workspace.querySelector('[data-action="claim"]')?.click());
  keys.bind('q', 'Go to the queue', () => queue.focusFirst());
  searchSlot.append(searchButton({ workspace, panel, select, bind: keys.bind }));

  await loadQueue();
  panel.clear(queue.size ? 'Choose a waiting call to see what the call-taker learned.' : 'Nobody is waiting. New calls appear here as the protocol sends them.');
  return () => feed.close();
}
