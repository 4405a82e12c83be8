// An incident as a person reads it: what is known, who serves the place, what the protocol
// decided, where the transfer stands (live, with its deadline), and everything that happened.

import { locationLine } from './places.js';
import { contactText } from './contact.js';
import { facilityName } from './destinations.js';
import { act } from './api.js';
import { h, field, actionButton } from './dom.js';
import { agencyName } from './directory.js';
import * as fmt from './format.js';
import { decisionBlock } from './triage.js';
import { teamStatus } from './teams.js';

let teamNames = new Map();
/** Names for team ids, when the server tracks teams. */
let personNames = new Map();
/** People's names by user id, where a view knows them (the agency's clinicians). */
export function setPersonNames(people) {
  personNames = new Map((people ?? []).map((p) => [p.id, p.display_name]));
}
const personName = (id) => (id ? personNames.get(id) : undefined);

export function setTeamNames(teams) {
  teamNames = new Map((teams ?? []).map((t) => [t.id, t.name]));
}
export const teamName = (id) => teamNames.get(id) ?? `team …${id.slice(-6)}`;

export function channelBadge(channel) {
  return h('span', { class: ['badge', channel === '911' ? 'c911' : channel === '988' ? 'c988' : ''] }, channel);
}

export function summaryCard(incident) {
  const facts = [
    ['Opened', fmt.dateTime(incident.opened_at)],
    ['Held by', agencyName(incident.holder)],
    ...(incident.address ? [['Address', h('span', { class: 'address' }, incident.address)]] : []),
    ['Location', locationLine(incident.location)],
    ['Callback', incident.callback_number ?? '—'],
    ['Summary', incident.summary || '—'],
  ];
  if (contactText(incident.contact)) facts.push(['Person', contactText(incident.contact)]);
  if (incident.clinician) facts.push(['Clinician', `claimed ${fmt.ago(incident.clinician.since)}`]);
  else if (incident.awaits_clinician) facts.push(['Clinician', 'waiting in the embedded-clinician queue']);
  if (incident.teams.length) facts.push(['Teams', incident.teams.map(teamName).join(', ')]);
  if (incident.handed_off_from) facts.push(['From', 'a 988 imminent-risk handoff']);
  if (incident.closure) facts.push(['Closed', `${fmt.DISPOSITIONS[incident.closure.disposition] ?? incident.closure.disposition} ${incident.closure.remark ? `— ${incident.closure.remark}` : ''}`]);
  return h('section', { class: 'card', 'aria-label': 'Incident', 'data-incident': incident.id },
    h('p', { class: 'print-only print-header' },
      `Crisisbridge · incident ${incident.id} · printed ${new Date().toLocaleString()} · confidential: health information protected by HIPAA and 42 CFR Part 2 — do not leave unattended, shred when done.`),
    h('h2', {}, channelBadge(incident.channel), `Incident …${fmt.shortId(incident.id)}`,
      h('span', { class: 'badge', 'data-status': incident.status }, fmt.status(incident.status)),
      h('button', { type: 'button', class: 'quiet print-button', 'data-action': 'print', onclick: () => window.print(), title: 'Print this incident, or save it as PDF' }, 'Print')),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    incident.notes.length ? h('div', {}, h('h3', {}, 'Notes'),
      h('ul', { class: 'timeline' }, incident.notes.map((n) => h('li', { 'data-audience': n.audience }, h('time', {}, fmt.clock(n.at)), `${agencyName(n.agency)}${n.audience === 'agency' ? ' (only your agency)' : ''}: ${n.text}`)))) : null);
}

export function routesTable(routes) {
  if (!routes?.length) return h('p', { class: 'empty' }, 'No routing answer yet.');
  return h('table', { class: 'routes' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Service'), h('th', {}, 'Served by, then'), h('th', {}, 'Why'))),
    h('tbody', {}, routes.map((r) => h('tr', { 'data-service': r.service },
      h('td', {}, fmt.service(r.service)),
      h('td', {}, r.agency ? agencyName(r.agency) : h('span', { class: 'badge bad' }, 'No coverage'),
        r.tiers.length > 1 ? h('div', { class: 'hint' }, `then ${r.tiers.slice(1).map((t) => agencyName(t.agency)).join(' → ')}`) : null,
        r.ambiguous ? h('div', { class: 'badge warn' }, 'Straddles a boundary') : null),
      h('td', { class: 'hint' }, `${fmt.BASIS[r.basis] ?? r.basis}: ${r.rule}`,
        r.ambiguous ? h('div', {}, 'Candidates: ', r.candidates.map((c) => `${agencyName(c.agency)} ${(c.share_permille / 10).toFixed(1)} %`).join(', ')) : null)))));
}

/** An offer made to `mine`: accept or decline it, with the deadline counting down. */
export function offerCard(incident, mine, { onAccepted, onDeclined, declineReason = 'no one free to take it' } = {}) {
  const t = incident.transfer;
  if (t?.to !== mine) return null;
  const reason = h('input', { type: 'text', maxlength: 500, value: declineReason });
  const accept = actionButton(['Accept ', h('kbd', {}, 'A')], async () => {
    const r = await act(incident.id, { action: 'accept_transfer' });
    onAccepted?.(r);
  }, { class: 'ok', 'data-action': 'accept', 'aria-keyshortcuts': 'A' });
  const decline = actionButton(['Decline ', h('kbd', {}, 'D')], async () => {
    const r = await act(incident.id, { action: 'decline_transfer', reason: reason.value || 'declined' });
    onDeclined?.(r);
  }, { 'data-action': 'decline', 'aria-keyshortcuts': 'D' });
  const handoff = incident.handed_off_from ? '988 imminent-risk handoff' : 'Transfer';
  return h('section', { class: 'card transfer pending', 'aria-label': 'Offered to you', role: 'alert' },
    h('h2', {}, `${handoff} from ${agencyName(t.from)}`),
    h('p', {}, t.reason),
    h('p', {}, 'Answer within ', h('span', { class: 'countdown', 'data-deadline': t.deadline }, countdown(t.deadline))),
    h('div', { class: 'actions' }, accept.both, decline.both), field('Reason, if you decline', reason));
}

/** Where the transfer stands, from the incident and its events. */
export function transferState(incident, events) {
  const transferKinds = ['transfer_offered', 'transfer_accepted', 'transfer_declined', 'transfer_timed_out', 'transfer_returned', 'transfer_withdrawn'];
  const history = events.filter((e) => transferKinds.includes(e.kind));
  const last = history.at(-1);
  if (incident.transfer) {
    const t = incident.transfer;
    return h('div', { class: 'transfer pending', 'data-transfer': 'pending', role: 'status' },
      h('p', {}, h('strong', {}, `Offered to ${agencyName(t.to)}`), ` (attempt ${t.attempt})`),
      h('p', {}, 'Answer within ', h('span', { class: 'countdown', 'data-deadline': t.deadline }, countdown(t.deadline))),
      t.until_taken
        ? h('p', { class: 'hint' }, `Offered round the PSAPs until one takes it (round ${t.round})${t.then.length ? `; next ${t.then.map((x) => agencyName(x.agency)).join(' → ')}` : ''}.`)
        : t.then.length ? h('p', { class: 'hint' }, `If nobody answers: ${t.then.map((x) => agencyName(x.agency)).join(' → ')}, then back to ${agencyName(t.from)} with an alarm`) : h('p', { class: 'hint' }, `If nobody answers: back to ${agencyName(t.from)} with an alarm`),
      h('p', { class: 'hint' }, t.reason));
  }
  if (!last) return null;
  if (last.kind === 'transfer_accepted') {
    return h('div', { class: 'transfer accepted', 'data-transfer': 'accepted', role: 'status' },
      h('p', {}, h('strong', {}, `Accepted by ${agencyName(last.agency)}`), ` at ${fmt.clock(last.at)}`));
  }
  if (last.kind === 'transfer_withdrawn') {
    return h('div', { class: 'transfer', 'data-transfer': 'withdrawn', role: 'status' },
      h('p', {}, h('strong', {}, 'Offer withdrawn'), ` — ${last.data.reason ?? ''}`));
  }
  if (last.kind === 'transfer_returned') {
    return h('div', { class: 'transfer returned alarm', 'data-transfer': 'returned', role: 'alert' },
      h('p', {}, h('strong', {}, 'Transfer returned: nobody accepted.'), ` ${last.data.reason ?? ''}`),
      h('p', {}, 'The call is yours again: stay with the caller, offer again or reach the center by phone.'));
  }
  return null;
}

function countdown(deadline) {
  const s = (deadline - Date.now()) / 1000;
  return s > 0 ? fmt.duration(s) : 'now (the next tier is being offered)';
}

setInterval(() => {
  for (const el of document.querySelectorAll('.countdown[data-deadline]')) el.textContent = countdown(Number(el.dataset.deadline));
}, 1000);

const FOLLOW_UP_RESULTS = { reached: 'reached', no_answer: 'no answer', voicemail: 'voicemail', declined: 'declined', wrong_number: 'wrong number' };
const FOLLOW_UP_ENDS = { reached_and_well: 'reached and well', referred: 'referred', reopened: 'a new incident opened', unable_to_reach: 'unable to reach', declined: 'declined' };

export function eventText(e, events = []) {
  const d = e.data ?? {};
  switch (e.kind) {
    case 'opened': return `Opened (${d.channel}) by ${agencyName(e.agency)}: ${d.summary ?? ''}`;
    case 'located': return ['Location: ', locationLine(d.location)];
    case 'address_recorded': return d.address ? `Address: ${d.address}` : 'Address taken back';
    case 'routed': return `Routed ${fmt.service(d.service)} → ${d.agency ? agencyName(d.agency) : 'no coverage'}`;
    case 'triage_recorded': return `Triage: ${fmt.outcome(d.outcome)} (rule ${d.rule}, ${d.protocol} v${d.protocol_version})`;
    case 'retriaged': return `Triaged again: ${fmt.outcome(d.outcome)} (rule ${d.rule}) — ${d.reason}`;
    case 'decision_overridden': return `Decision overridden by ${agencyName(e.agency)}: may go to ${fmt.destination(d.destination)} — ${d.reason}`;
    case 'transfer_offered': return `Offered to ${agencyName(d.to)}${d.until_taken ? ' (until a PSAP takes it)' : ''}`;
    case 'transfer_withdrawn': return `Offer withdrawn: ${d.reason}`;
    case 'alarm_raised': return `Alarm: ${d.reason}`;
    case 'alarm_resolved': return `Alarm resolved by ${agencyName(e.agency)}: ${d.action}`;
    case 'transfer_accepted': return `${agencyName(e.agency)} accepted the transfer`;
    case 'transfer_declined': return `${agencyName(e.agency)} declined: ${d.reason}`;
    case 'transfer_timed_out': {
      const offer = events.filter((x) => x.kind === 'transfer_offered' && x.seq < e.seq).at(-1);
      return `No answer in time${offer ? ` from ${agencyName(offer.data.to)}` : ''}`;
    }
    case 'transfer_returned': return `Transfer returned with an alarm: ${d.reason}`;
    case 'emergency_handoff_started': return `Imminent-risk handoff to 911 started (PSAP incident …${fmt.shortId(d.handoff)})`;
    case 'emergency_handoff_confirmed': return `Handoff follow-up: ${d.outcome === 'contact_made' ? 'emergency services made contact' : 'could not confirm'}${d.remark ? ` — ${d.remark}` : ''}`;
    case 'handed_off_from': return 'Opened from a 988 imminent-risk handoff';
    case 'clinician_claimed': return `${personName(d.clinician) ?? 'The embedded clinician'} took the call`;
    case 'clinician_released': return `${personName(e.actor) ?? 'The clinician'} put the call back: ${d.reason}`;
    case 'clinician_handed_on': return `${personName(e.actor) ?? 'The clinician'} handed the call to ${personName(d.to) ?? 'another clinician'}`;
    case 'team_dispatched': return `Team dispatched: ${teamName(d.team)}`;
    case 'team_status_changed': return `${teamName(d.team)}: ${teamStatus(d.status)}${d.to ? ` — ${d.status === 'at_facility' ? 'at' : 'to'} ${facilityName(d.to)}` : ''}`;
    case 'note_added': return `Note by ${agencyName(e.agency)}${d.audience === 'agency' ? ' (only your agency)' : ''}: ${d.text}`;
    case 'contact_described': return `Person: ${contactText(d) ?? 'nothing said'}`;
    case 'closed': return `Closed: ${fmt.DISPOSITIONS[d.disposition] ?? d.disposition}${d.remark ? ` — ${d.remark}` : ''}`;
    case 'destination_chosen': return `Destination chosen: ${d.reason}`;
    case 'handover_accepted': return `${agencyName(e.agency)} took the person over`;
    case 'handover_refused': return `${agencyName(e.agency)} turned the team away${d.no_room ? ' (no room)' : ''}: ${d.reason}`;
    case 'follow_up_consent_recorded': return d.given ? 'The person agrees to be contacted again' : 'The person does not want to be contacted again';
    case 'follow_up_scheduled': return `Follow-up ${d.number} due ${fmt.dateTime(d.due)}${d.without_consent ? ' (without consent: imminent risk)' : ''}: ${d.reason}`;
    case 'follow_up_attempted': return `Follow-up ${d.number}: ${FOLLOW_UP_RESULTS[d.result] ?? d.result}${d.note ? ` — ${d.note}` : ''}${d.next_due ? `; next try due ${fmt.dateTime(d.next_due)}` : ''}`;
    case 'follow_up_finished': return `Follow-up ${d.number} finished: ${FOLLOW_UP_ENDS[d.outcome] ?? d.outcome}${d.detail ? ` — ${d.detail}` : ''}`;
    default: return e.kind;
  }
}

export function timeline(events) {
  if (!events.length) return null;
  return h('section', { class: 'card', 'aria-label': 'What happened' }, h('h3', {}, 'What happened'),
    h('ol', { class: 'timeline' }, events.map((e) => h('li', { 'data-kind': e.kind }, h('time', {}, fmt.clock(e.at)), eventText(e, events)))));
}

export function triageSummary(incident) {
  return incident.triage ? decisionBlock(incident.triage) : null;
}

/** Overrides of the decision and the decisions it replaced: who, when, why. */
export function decisionRecord(incident) {
  const parts = [];
  if (incident.overrides?.length) {
    parts.push(h('div', { class: 'overrides', 'data-section': 'overrides' }, h('h3', {}, 'Overridden'),
      h('ul', {}, incident.overrides.map((o) => h('li', {}, h('time', {}, fmt.clock(o.at)),
        ` May go to ${fmt.destination(o.destination)} — ${o.reason} (${agencyName(o.agency)})`)))));
  }
  if (incident.triage_history?.length) {
    parts.push(h('details', { class: 'triage-history' }, h('summary', {}, `Earlier decisions (${incident.triage_history.length})`),
      h('ul', {}, incident.triage_history.map((t) => h('li', {}, h('time', {}, fmt.clock(t.at)), ` ${fmt.outcome(t.outcome)} (rule ${t.rule})`)))));
  }
  return parts.length ? h('div', {}, parts) : null;
}

/** A supervisor's override of the decision: where the call may go anyway, and why. */
export function overrideForm(incident, onDone) {
  const destination = h('select', {},
    [['988', 'Divert to 988'], ['mobile_crisis', 'Mobile crisis team'], ['embedded_clinician', 'Embedded clinician']]
      .map(([v, label]) => h('option', { value: v }, label)));
  const reason = h('textarea', { maxlength: 500 });
  const { both } = actionButton('Override the decision', async () => {
    if (!reason.value.trim()) throw new Error('Write why: the override is recorded and reported.');
    const r = await act(incident.id, { action: 'override_decision', destination: destination.value, reason: reason.value });
    reason.value = '';
    onDone?.(r);
  }, { class: 'danger', 'data-action': 'override' });
  return h('details', { class: 'card', 'data-section': 'override' }, h('summary', {}, 'Override the triage decision'),
    h('p', { class: 'hint' }, 'Sends the call somewhere its decision does not. Recorded with your name and reason, shown on the incident and counted in reports.'),
    h('div', { class: 'field-row' }, field('Send to', destination), field('Why', reason)), both);
}

/** A note form, with who may read the note: a crisis center's notes stay with it unless its
 * user chooses to share them (clinical records); other agencies' notes are shared. */
export function noteForm(incident, onDone) {
  const text = h('textarea', { maxlength: 4000 });
  const ownByDefault = document.body.dataset.agencyKind === 'crisis_center';
  const audience = h('select', { 'data-field': 'audience' },
    h('option', { value: 'agency', selected: ownByDefault }, 'Only my agency'),
    h('option', { value: 'involved', selected: !ownByDefault }, 'Every agency on this call'));
  const { both } = actionButton('Add note', async () => {
    if (!text.value.trim()) throw new Error('Write the note first.');
    const result = await act(incident.id, { action: 'add_note', text: text.value, audience: audience.value });
    text.value = '';
    onDone?.(result.incident);
  });
  return h('div', { class: 'note-form' }, h('div', { class: 'field-row' }, field('Note', text), field('Who may read it', audience)), both);
}

/** Closing: a disposition, a remark, and whether the person agreed to a follow-up call
 * (recorded with the close; the agencies' follow-up rules act on it). */
export function closeForm(incident, onDone, preset = 'resolved_by_phone') {
  const select = h('select', {}, Object.entries(fmt.DISPOSITIONS).map(([v, label]) => h('option', { value: v, selected: v === preset }, label)));
  const remark = h('input', { type: 'text', maxlength: 500 });
  const asked = incident.follow_up_consent;
  const consent = h('select', { 'data-field': 'follow-up-consent' },
    h('option', { value: '', selected: asked == null }, 'Not asked'),
    h('option', { value: 'yes', selected: asked === true }, 'Agrees to be contacted again'),
    h('option', { value: 'no', selected: asked === false }, 'Does not want to be contacted'));
  const { both } = actionButton('Close incident', async () => {
    const body = { action: 'close', disposition: select.value, remark: remark.value };
    if (consent.value) body.follow_up_consent = consent.value === 'yes';
    const result = await act(incident.id, body);
    onDone?.(result.incident);
  }, { class: 'danger' });
  return h('div', { class: 'close-form' },
    h('div', { class: 'field-row' }, field('Outcome', select), field('Remark', remark), field('Follow-up call', consent)), both);
}
