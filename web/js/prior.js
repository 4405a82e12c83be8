// Prior contacts: the agency's earlier incidents from the same callback number — how many,
// when, how each ended, and open follow-ups — on the incident of a call-taker, clinician or
// counselor, so "the same number called three times this week" is seen at once. Each opens in
// full; the server lists only what the agency may see and records each as read.

import { get } from './api.js';
import { h, replace } from './dom.js';
import * as fmt from './format.js';

const DAY_MS = 86_400_000;

/** The card for `incident` (nothing without a callback number); `onOpen(id)` opens one. */
export function priorContactsCard(incident, onOpen) {
  if (!incident.callback_number) return null;
  const body = h('div', {}, h('p', { class: 'hint' }, 'Looking for earlier contacts…'));
  const card = h('section', { class: 'card', 'data-section': 'prior-contacts', 'aria-label': 'Prior contacts' },
    h('h2', {}, 'Prior contacts'), body);
  get(`/incidents/${incident.id}/prior`).then((prior) => {
    const list = prior.incidents;
    if (!list.length) {
      replace(body, h('p', { class: 'empty' }, `No earlier contact from ${prior.callback_number}.`));
      return;
    }
    const week = list.filter((i) => incident.opened_at - i.opened_at <= 7 * DAY_MS).length;
    const openFollowUps = list.reduce((n, i) => n + i.open_follow_ups, 0);
    const count = `${list.length}${prior.more ? '+' : ''}`;
    replace(body,
      h('p', { class: week >= 2 ? 'alarm' : 'hint', role: 'status', 'data-count': String(list.length) },
        `${count} earlier contact${list.length === 1 && !prior.more ? '' : 's'} from ${prior.callback_number}`,
        week ? ` · ${week} in the 7 days before this one` : '',
        openFollowUps ? ` · ${openFollowUps} open follow-up${openFollowUps === 1 ? '' : 's'}` : ''),
      h('ol', { class: 'prior-list' }, list.map((i) => h('li', { 'data-incident': i.id },
        h('button', { type: 'button', class: 'link', onclick: () => onOpen(i.id) }, fmt.dateTime(i.opened_at)),
        ` ${i.channel} · ${i.outcome ? (fmt.DISPOSITIONS[i.outcome] ?? i.outcome) : fmt.status(i.status)}`,
        i.open_follow_ups ? ` · follow-up ${i.follow_up_due < Date.now() ? 'overdue' : `due ${fmt.dateTime(i.follow_up_due)}`}` : '',
        h('span', { class: 'hint' }, ` — ${i.summary}`)))));
  }).catch((e) => replace(body, h('p', { class: 'error', role: 'alert' }, `Earlier contacts could not be loaded: ${e.message}`)));
  return card;
}
