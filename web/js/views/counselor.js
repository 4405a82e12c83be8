// The 988 counselor: incoming transfers (accept or decline, live, with the offer's deadline),
// the center's contacts, a new contact, the risk assessment (the center's 988 protocol, one
// question at a time), and the imminent-risk handoff to the PSAP serving the person's
// location — then its mandatory follow-up: "emergency services made contact" or "could not
// confirm". Keys: N new contact, A accept, D decline, H hand off.

import { act, get, post } from '../api.js';
import { h, field, replace, announce, actionButton } from '../dom.js';
import { IncidentList } from '../incident-list.js';
import { IncidentFeed } from '../incident-feed.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, routesTable, transferState, timeline, noteForm, closeForm, offerCard as sharedOfferCard } from '../incident-detail.js';
import { triagePanel, recordedDecision } from '../triage.js';
import { locationForm } from '../location-form.js';
import { agencyName } from '../directory.js';
import * as fmt from '../format.js';
import { phonePanel } from '../phone.js';
import * as keys from '../shortcuts.js';
import { searchButton } from '../search.js';
import { priorContactsCard } from '../prior.js';
import { contactFields, contactCard } from '../contact.js';
import { followUpCard, addFollowUpForm } from '../follow-ups.js';

export async function mount(main, { user }) {
  const mine = user.agency.id;
  const offeredToMe = (i) => i.transfer?.to === mine;
  const workspace = h('section', { class: 'workspace', 'aria-label': 'Workspace' });
  const incoming = new IncidentList({
    label: 'Incoming transfers',
    empty: 'No transfer waiting.',
    filter: offeredToMe,
    describe: (i) => `From ${agencyName(i.transfer.from)} · answer within ${fmt.duration((i.transfer.deadline - Date.now()) / 1000)}`,
    sort: (a, b) => a.transfer.deadline - b.transfer.deadline,
    onSelect: (i) => select(i.id),
  });
  const contacts = new IncidentList({
    label: 'Contacts',
    empty: 'No open contacts.',
    filter: (i) => i.status !== 'closed' && !offeredToMe(i),
    describe: (i) => (i.holder === mine ? (i.handoff && !i.handoff.outcome ? 'Handoff follow-up due' : (i.address ?? fmt.location(i.location))) : `With ${agencyName(i.holder)}`),
    onSelect: (i) => select(i.id),
  });
  const lists = [incoming, contacts];
  const searchSlot = h('span', {});
  main.replaceChildren(h('div', { class: 'layout' },
    h('nav', { class: 'sidebar', 'aria-label': 'Contacts' },
      h('div', { class: 'section-title' }, h('h1', {}, '988 counselor'),
        h('span', { class: 'title-actions' }, searchSlot,
          h('button', { type: 'button', class: 'primary', onclick: () => showNew(), 'aria-keyshortcuts': 'N' }, 'New contact ', h('kbd', {}, 'N')))),
      phonePanel({ channel: '988' }).el,
      h('h2', { class: 'section-title' }, 'Incoming transfers'), incoming.el,
      h('h2', { class: 'section-title' }, 'Contacts'), contacts.el),
    workspace));

  const panel = new IncidentPanel(workspace, [
    { name: 'offer', render: (i, events) => offerCard(i, events) },
    { name: 'summary', render: (i) => summaryCard(i) },
    { name: 'prior', key: (i) => [i.id, i.callback_number], render: (i) => priorContactsCard(i, (id) => select(id)) },
    { name: 'routing', key: (i) => i.routes, render: (i) => h('details', { class: 'card' }, h('summary', {}, 'Routing answer'), routesTable(i.routes)) },
    {
      name: 'assessment',
      key: (i) => [i.id, i.triage?.at ?? null, i.holder === mine && i.status !== 'closed'],
      render: (i) => {
        // A call transferred from 911 carries the PSAP's diversion decision, not an assessment.
        const title = i.channel === '988' ? 'Risk assessment' : `911 diversion decision`;
        const decided = i.triage ? recordedDecision(i) : null;
        if (i.holder !== mine || i.status === 'closed' || i.channel !== '988') {
          return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), decided ?? h('p', { class: 'empty' }, 'None recorded.'),
            i.channel !== '988' && i.holder === mine && i.status !== 'closed'
              ? h('p', { class: 'hint' }, 'The center\'s assessment protocol is for 988 contacts: record your assessment in a note, and hand off below if the risk is imminent.') : null);
        }
        return triagePanel(i, { title, onDecided: (_d, updated) => { panel.update(updated); focusHandoff(); } });
      },
    },
    { name: 'handoff', key: (i) => [i.id, i.holder === mine, i.status, i.handoff, i.recommended_action], render: (i) => handoffCard(i) },
    { name: 'transfer', render: (i, events) => (offeredToMe(i) ? null : transferState(i, events)) },
    { name: 'forms', key: (i) => [i.id, i.holder === mine, i.status === 'closed', !!i.handoff && !i.handoff.outcome], render: (i) => forms(i) },
    { name: 'contact', key: (i) => [i.id, i.contact, i.status === 'closed', i.holder], render: (i) => (i.status === 'closed' || i.holder !== mine ? null : contactCard(i, (r) => panel.update(r.incident, r.events))) },
    {
      name: 'follow-up',
      key: (i) => [i.id, i.follow_ups, i.follow_up_consent, i.holder === mine],
      // The center's follow-ups of the contact (its navigators work them); a counselor may add
      // one while there is none open.
      render: (i) => followUpCard(i, { mayWork: false })
        ?? (i.holder === mine ? addFollowUpForm(i, (r) => panel.update(r.incident, r.events)) : null),
    },
    { name: 'timeline', render: (_i, events) => timeline(events) },
  ]);

  function offerCard(i) {
    return sharedOfferCard(i, mine, {
      declineReason: 'no counselor free',
      onAccepted: (r) => {
        panel.update(r.incident, r.events);
        refreshLists(r.incident);
        announce('Transfer accepted: the call is yours.');
      },
      onDeclined: (r) => {
        refreshLists(r.incident);
        panel.clear('Declined: the next center on the route is offered the call.');
      },
    });
  }

  function handoffCard(i) {
    if (i.holder !== mine || i.status === 'closed') return null;
    const card = (...c) => h('section', { class: 'card', 'aria-label': 'Imminent-risk handoff' }, h('h2', {}, 'Imminent-risk handoff to 911'), ...c);
    if (i.handoff) {
      const psap = h('div', {}, h('p', { class: 'hint' }, 'Looking up the PSAP\'s incident…'));
      get(`/incidents/${i.handoff.incident}`).then((p) => replace(psap,
        h('p', {}, `PSAP incident …${fmt.shortId(p.id)}: `, p.transfer ? `offered to ${agencyName(p.transfer.to)} (answer within `
          : `with ${agencyName(p.holder)}`, p.transfer ? h('span', { class: 'countdown', 'data-deadline': p.transfer.deadline }, '') : null, p.transfer ? ')' : ''))).catch(() => replace(psap));
      if (i.handoff.outcome) {
        return card(h('p', { class: 'success', role: 'status' }, `Follow-up recorded: ${i.handoff.outcome === 'contact_made' ? 'emergency services made contact' : 'could not confirm'} at ${fmt.clock(i.handoff.outcome_at)}.`), psap);
      }
      const remark = h('input', { type: 'text', maxlength: 500 });
      const confirm = (outcome) => async () => {
        const r = await act(i.id, { action: 'confirm_emergency_handoff', outcome, remark: remark.value });
        panel.update(r.incident, r.events);
        announce('Handoff follow-up recorded.');
      };
      return card(h('p', { class: 'alarm', role: 'status' }, `Handed off at ${fmt.clock(i.handoff.started_at)}. Confirm whether emergency services reached the person: the contact cannot close before.`), psap,
        field('Remark', remark),
        h('div', { class: 'actions' },
          actionButton('Emergency services made contact', confirm('contact_made'), { class: 'ok', 'data-action': 'contact_made' }).both,
          actionButton('Could not confirm', confirm('could_not_confirm'), { 'data-action': 'could_not_confirm' }).both));
    }
    const imminent = i.recommended_action === 'emergency_handoff';
    const reason = h('input', { type: 'text', maxlength: 500, value: imminent ? 'imminent risk of suicide: the assessment calls for active rescue' : '' });
    const hazards = h('textarea', { placeholder: 'one per line, e.g. firearm in the home' });
    const loc = locationForm({ label: 'A better location than the contact\'s (optional)', withMap: false });
    const start = actionButton(['Hand off to 911 now ', h('kbd', {}, 'H')], async () => {
      if (!reason.value.trim()) throw new Error('Say why emergency services are needed.');
      const better = loc.value();
      const r = await act(i.id, {
        action: 'start_emergency_handoff', reason: reason.value,
        hazards: hazards.value.split('\n').map((x) => x.trim()).filter(Boolean),
        location: better.type === 'point' ? better : undefined,
      });
      panel.update(r.incident, r.events);
      announce('Handed off to the PSAP. Record the follow-up when you know.');
    }, { class: imminent ? 'danger' : '', 'data-action': 'handoff', 'aria-keyshortcuts': 'H' });
    return card(
      imminent ? h('p', { class: 'alarm' }, 'The assessment found imminent risk: hand off to the PSAP serving the person\'s location.') : h('p', { class: 'hint' }, 'Only for imminent risk. The PSAP receives the location with its confidence, the callback number, the hazards and your reason — never your notes or the assessment.'),
      field('Why emergency services are needed', reason), field('Hazards for responders', hazards), h('details', {}, h('summary', {}, 'Give a better location'), loc.el), start.both);
  }

  function forms(i) {
    if (i.status === 'closed') return null;
    const parts = [noteForm(i, (u) => panel.update(u))];
    if (i.holder === mine) {
      parts.push(i.handoff && !i.handoff.outcome
        ? h('p', { class: 'hint' }, 'Record the handoff follow-up before closing.')
        : h('details', {}, h('summary', {}, 'Close the contact'), closeForm(i, (u) => { panel.update(u); refreshLists(u); })));
    }
    return h('section', { class: 'card', 'aria-label': 'Notes and closing' }, parts);
  }

  function focusHandoff() {
    requestAnimationFrame(() => workspace.querySelector('[data-action="handoff"].danger')?.focus());
  }

  function refreshLists(incident) {
    for (const l of lists) l.upsert(incident, { fresh: false });
  }

  async function select(id) {
    for (const l of lists) l.select(id);
    await panel.show(id);
  }

  function showNew() {
    for (const l of lists) l.select(null);
    panel.clear();
    const summary = h('textarea', { maxlength: 4000, name: 'summary' });
    const callback = h('input', { type: 'tel', name: 'callback', autocomplete: 'off' });
    const loc = locationForm({ callback, label: 'Where the person is (routing location)' });
    const person = contactFields();
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { 'aria-labelledby': 'new-contact' }, h('h2', { id: 'new-contact' }, 'New 988 contact'),
      h('div', { class: 'split' }, h('div', {}, field('What the person says', summary), field('Callback number', callback), person.el, error,
        h('button', { type: 'submit', class: 'primary' }, 'Open contact')), loc.el));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const i = await post('/incidents', { channel: '988', location: loc.value(), callback_number: callback.value || undefined, summary: summary.value, ...person.value() });
        refreshLists(i);
        await select(i.id);
      } catch (err) {
        error.textContent = err.message;
      }
    });
    replace(workspace, form);
    summary.focus();
  }

  const feed = new IncidentFeed({
    onList: (all) => {
      for (const l of lists) {
        l.set(all);
        l.select(panel.id);
      }
    },
    onIncident: (incident, events) => {
      const wasIncoming = incoming.incidents.has(incident.id);
      refreshLists(incident);
      if (!wasIncoming && offeredToMe(incident)) announce(`Transfer offered from ${agencyName(incident.transfer.from)}: ${incident.summary}`);
      if (incident.id === panel.id) panel.update(incident, events);
    },
    onResync: () => panel.id && panel.show(panel.id),
  });

  keys.bind('n', 'New 988 contact', showNew);
  keys.bind('a', 'Accept the transfer on screen', () => workspace.querySelector('[data-action="accept"]')?.click());
  keys.bind('d', 'Decline the transfer on screen', () => workspace.querySelector('[data-action="decline"]')?.click());
  keys.bind('h', 'Hand off to 911 (imminent risk)', () => workspace.querySelector('[data-action="handoff"]')?.click());
  keys.bind('i', 'Go to the incoming transfers', () => incoming.focusFirst());
  searchSlot.append(searchButton({ workspace, panel, select, bind: keys.bind }));

  await feed.load();
  panel.clear(incoming.size ? 'Choose a transfer to answer it.' : 'No transfer waiting. Choose a contact, or open a new one.');
  return () => feed.close();
}
