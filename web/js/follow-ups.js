// Follow-up after the contact: the agency's queue (soonest due first, the overdue marked), an
// incident's follow-ups with one key per attempt result (1 reached, 2 no answer, 3 voicemail,
// 4 declined, 5 wrong number) and the outcome, a follow-up added by hand, and the watch that
// keeps the overdue count current (from the server's queue: after a reload, on every
// follow-up or close event, and each minute, as due times pass).

import { get, post } from './api.js';
import { h, replace, field, announce, actionButton } from './dom.js';
import * as live from './live.js';
import * as fmt from './format.js';

export const RESULTS = {
  reached: 'Reached',
  no_answer: 'No answer',
  voicemail: 'Voicemail',
  declined: 'Declined',
  wrong_number: 'Wrong number',
};

export const FINISHES = {
  reached_and_well: 'Reached and well',
  referred: 'Referred',
  reopened: 'Needs help again: open a new incident',
  unable_to_reach: 'Unable to reach',
  declined: 'Declined',
};

const MISSED = new Set(['no_answer', 'voicemail', 'wrong_number']);
const missed = (f) => f.attempts.filter((a) => MISSED.has(a.result)).length;

/** The follow-up of `incident` that is still open for `agency`, if any. */
export const openFollowUp = (incident, agency) => incident.follow_ups?.find((f) => f.agency === agency && !f.outcome);

/** "overdue by 3 h 5 min" or "due in 20 h 0 min". */
export function dueText(due, now = Date.now()) {
  return due < now ? `overdue by ${fmt.duration((now - due) / 1000)}` : `due in ${fmt.duration((due - now) / 1000)}`;
}

/**
 * Watches the agency's follow-up queue: `onQueue(queue)` at start, on each follow-up or close
 * event of the agency, and each minute. Returns a stop function.
 */
export function watchQueue(onQueue, { limit = 100 } = {}) {
  let stopped = false;
  let timer = null;
  async function load() {
    clearTimeout(timer);
    timer = null;
    try {
      const queue = await get(`/follow-ups?limit=${limit}`);
      if (!stopped) onQueue(queue);
    } catch {
      // The next event or minute tries again.
    }
  }
  const unsubscribe = live.subscribe((m) => {
    if (m.resync || m.kind?.startsWith('follow_up_') || m.kind === 'closed') {
      // A burst of events is one fetch.
      if (!timer) timer = setTimeout(load, 150);
    }
  });
  const minute = setInterval(load, 60_000);
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(minute);
    unsubscribe();
  };
}

/** The queue as a table; `onOpen(id)` opens an incident. Returns `{el, set(queue)}`. */
export function queuePanel({ onOpen }) {
  const counts = h('p', { class: 'hint', role: 'status' });
  const body = h('div', { class: 'follow-up-queue' });
  let last = null;
  function draw() {
    if (!last) return;
    const now = Date.now();
    counts.textContent = `${last.total} open · ${last.overdue} overdue`;
    if (!last.incidents.length) {
      replace(body, h('p', { class: 'empty' }, 'No follow-ups are waiting.'));
      return;
    }
    replace(body, h('ol', { class: 'list' }, last.incidents.map((i) => {
      const f = i.follow_ups.find((x) => !x.outcome);
      if (!f) return null;
      const overdue = f.due < now;
      return h('li', {},
        h('button', { type: 'button', class: `item${overdue ? ' overdue' : ''}`, 'data-incident': i.id, 'data-overdue': String(overdue), onclick: () => onOpen(i.id) },
          h('strong', {}, dueText(f.due, now)),
          h('span', {}, `${i.callback_number ?? 'no number'} · ${i.summary}`),
          h('span', { class: 'hint' }, `${f.attempts.length} tries, ${missed(f)} missed of ${f.attempts_allowed}${f.without_consent ? ' · without consent (imminent risk)' : ''}${f.rule ? ` · ${f.rule}` : ''}`)));
    })));
  }
  return {
    el: h('div', {}, counts, body),
    set(queue) {
      last = queue;
      draw();
    },
    redraw: draw,
  };
}

/**
 * An incident's follow-ups for the viewer's agency: each with its attempts and, while open,
 * a button per result (keys 1–5 while the card is shown) and the outcome. `onUpdate(result)`
 * after each change (`{incident, events, opened?}`); `mayWork`: whether the viewer works
 * follow-ups.
 */
export function followUpCard(incident, { onUpdate, mayWork }) {
  if (!incident.follow_ups?.length) return null;
  return h('section', { class: 'card', 'data-section': 'follow-ups', 'aria-label': 'Follow-up' },
    h('h2', {}, 'Follow-up'),
    incident.follow_ups.map((f) => followUp(incident, f, { onUpdate, mayWork })));
}

function followUp(incident, f, { onUpdate, mayWork }) {
  const facts = [
    ['Why', f.reason],
    ['Made', `${fmt.dateTime(f.scheduled_at)}${f.rule ? ` by rule ${f.rule}` : ' by hand'}`],
    f.outcome ? null : ['Due', `${fmt.dateTime(f.due)} (${dueText(f.due)})`],
    ['Tries', `${f.attempts.length} (${missed(f)} missed of ${f.attempts_allowed} allowed)`],
    f.outcome ? ['Outcome', `${FINISHES[f.outcome] ?? f.outcome}${f.detail ? ` — ${f.detail}` : ''}`] : null,
  ].filter(Boolean);
  const attempts = f.attempts.length
    ? h('ol', { class: 'attempts' }, f.attempts.map((a) => h('li', {}, h('time', {}, fmt.dateTime(a.at)), ` ${RESULTS[a.result] ?? a.result}${a.note ? ` — ${a.note}` : ''}`)))
    : null;
  const el = h('div', { class: `follow-up${f.outcome ? ' done' : ''}${!f.outcome && f.due < Date.now() ? ' overdue' : ''}`, 'data-follow-up': f.number },
    f.without_consent ? h('p', { class: 'badge warning' }, 'Without consent: the contact was at imminent risk') : null,
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    attempts,
    f.outcome && f.reopened_as ? h('p', { class: 'hint' }, `New incident …${fmt.shortId(f.reopened_as)}`) : null);
  if (!f.outcome && mayWork) el.append(workForm(incident, f, onUpdate));
  return el;
}

function workForm(incident, f, onUpdate) {
  const note = h('input', { type: 'text', maxlength: 500, 'data-field': 'attempt-note', placeholder: 'What happened (optional)' });
  const reachedOnce = f.attempts.some((a) => a.result === 'reached');
  const outcome = h('select', { 'data-field': 'outcome' }, Object.entries(FINISHES).map(([v, label]) => h('option', { value: v }, label)));
  const detail = h('input', { type: 'text', maxlength: 500, 'data-field': 'outcome-detail', placeholder: 'Referred to what, or what happened' });
  const finish = actionButton('Record the outcome', async () => {
    if (outcome.value === 'referred' && !detail.value.trim()) throw new Error('Say what the person was referred to.');
    const r = await post(`/incidents/${incident.id}/follow-ups/${f.number}/finish`, { outcome: outcome.value, detail: detail.value });
    announce(r.opened ? `Follow-up finished; new incident …${fmt.shortId(r.opened.id)} opened.` : 'Follow-up finished.');
    onUpdate?.(r);
  }, { 'data-action': 'finish-follow-up' });
  const outcomeForm = h('div', { class: 'field-row', 'data-part': 'outcome' },
    field('Outcome', outcome), field('Detail', detail), finish.both);
  const error = h('span', { class: 'error', role: 'alert' });
  const attempt = async (result) => {
    error.textContent = '';
    try {
      const r = await post(`/incidents/${incident.id}/follow-ups/${f.number}/attempts`, { result, note: note.value });
      note.value = '';
      announce(`Logged: ${RESULTS[result]}.`);
      onUpdate?.(r);
    } catch (e) {
      error.textContent = e.message;
    }
  };
  const buttons = Object.entries(RESULTS).map(([result, label], n) => h('button', {
    type: 'button',
    'data-result': result,
    'aria-keyshortcuts': String(n + 1),
    onclick: () => attempt(result),
  }, h('kbd', {}, String(n + 1)), ` ${label}`));
  const form = h('div', { class: 'follow-up-work', 'data-incident': incident.id },
    field('Note', note),
    h('div', { class: 'button-row', role: 'group', 'aria-label': 'Log a try' }, buttons), error,
    h('details', { open: reachedOnce }, h('summary', {}, 'Outcome'), outcomeForm));
  return form;
}

/** Keys 1–5 log a try on the open follow-up shown in `root`, unless typing in a field. */
export function bindAttemptKeys(root) {
  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !/^[1-5]$/.test(e.key)) return;
    const target = e.target;
    if (target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]')) return;
    const button = root.querySelectorAll('.follow-up-work [data-result]')[Number(e.key) - 1];
    if (!button) return;
    e.preventDefault();
    button.click();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}

/** "Add a follow-up" for staff whose agency has care navigators; `onUpdate(result)` after. */
export function addFollowUpForm(incident, onUpdate) {
  const hours = h('input', { type: 'number', min: 1, max: 720, value: 24, 'data-field': 'due-in-hours' });
  const reason = h('input', { type: 'text', maxlength: 500, 'data-field': 'follow-up-reason', placeholder: 'e.g. check in after tonight\'s shift change' });
  const { both } = actionButton('Add follow-up', async () => {
    if (!reason.value.trim()) throw new Error('Say why first.');
    const r = await post(`/incidents/${incident.id}/follow-ups`, { due_in_hours: Number(hours.value), reason: reason.value });
    reason.value = '';
    onUpdate?.(r);
  }, { 'data-action': 'add-follow-up' });
  return h('details', { class: 'card', 'data-section': 'add-follow-up' }, h('summary', {}, 'Add a follow-up'),
    h('p', { class: 'hint' }, incident.follow_up_consent === true ? 'The person agreed to be contacted again.' : 'Needs the person\'s consent, recorded on the incident while it is open (or an imminent-risk contact, where your agency\'s rule allows).'),
    h('div', { class: 'field-row' }, field('Due in (hours)', hours), field('Why', reason)), both);
}
