// The care navigator: the agency's follow-ups after the contact — the queue, soonest due first
// with the overdue marked; the incident as the navigator's agency may see it; a try logged
// with one key (1 reached, 2 no answer, 3 voicemail, 4 declined, 5 wrong number); the outcome,
// which for a person who needs help again opens a new incident. Keys: L the queue, / search.

import { h } from '../dom.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, timeline, noteForm, setTeamNames } from '../incident-detail.js';
import { listTeams } from '../teams.js';
import * as keys from '../shortcuts.js';
import { searchButton } from '../search.js';
import { queuePanel, watchQueue, followUpCard, bindAttemptKeys } from '../follow-ups.js';

export async function mount(main, { user }) {
  const workspace = h('section', { class: 'workspace', 'aria-label': 'Workspace' });
  const queue = queuePanel({ onOpen: (id) => select(id) });
  const searchSlot = h('span', {});
  main.replaceChildren(h('div', { class: 'layout' },
    h('nav', { class: 'sidebar', 'aria-label': 'Follow-ups' },
      h('div', { class: 'section-title' }, h('h1', {}, 'Follow-ups'), h('span', { class: 'title-actions' }, searchSlot)),
      queue.el),
    workspace));

  const panel = new IncidentPanel(workspace, [
    {
      name: 'follow-up',
      key: (i) => [i.id, i.follow_ups],
      render: (i) => followUpCard(i, {
        mayWork: true,
        onUpdate: (r) => {
          panel.update(r.incident, r.events);
          if (r.opened) select(r.opened.id);
        },
      }) ?? h('section', { class: 'card' }, h('p', { class: 'empty' }, 'Your agency has no follow-up on this incident.')),
    },
    { name: 'summary', render: (i) => summaryCard(i) },
    { name: 'note', key: (i) => [i.id, i.status], render: (i) => (i.status !== 'closed' ? h('section', { class: 'card' }, noteForm(i, (u) => panel.update(u))) : null) },
    { name: 'timeline', render: (_i, events) => timeline(events) },
  ]);

  async function select(id) {
    await panel.show(id);
    for (const b of queue.el.querySelectorAll('[data-incident]')) b.setAttribute('aria-current', String(b.dataset.incident === id));
  }

  searchSlot.append(searchButton({ workspace, panel, select, bind: keys.bind }));
  keys.bind('l', 'Go to the follow-up queue', () => queue.el.querySelector('[data-incident]')?.focus());
  const unbindKeys = bindAttemptKeys(workspace);
  const stopWatch = watchQueue((q) => {
    queue.set(q);
    // The incident shown changes with the queue (a try logged elsewhere).
    if (panel.id && q.incidents.some((i) => i.id === panel.id)) panel.update(q.incidents.find((i) => i.id === panel.id));
  });
  // Due times pass without events: the marks are redrawn each minute by the watch, and the
  // relative times each 30 s.
  const tick = setInterval(() => queue.redraw(), 30_000);
  listTeams().then((teams) => setTeamNames(teams)).catch(() => {});
  panel.clear('Choose a follow-up from the queue.');
  return () => {
    stopWatch();
    unbindKeys();
    clearInterval(tick);
  };
}
