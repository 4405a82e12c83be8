// Alarms that stay on screen until someone acts: a transfer nobody took (returned to its
// holder), and an imminent-risk handoff no PSAP has taken (offered round the PSAPs until one
// does). Every view of an agency that holds such an incident shows them above everything
// else, with the time that has passed, and lets the people who may act say what was done.

import { act } from './api.js';
import { h, replace, announce, actionButton } from './dom.js';
import { IncidentFeed } from './incident-feed.js';
import { agencyName } from './directory.js';
import * as fmt from './format.js';
import { mountAlerts } from './alerts.js';

const KINDS = {
  transfer_returned: 'Transfer returned: nobody took the call',
  handoff_unanswered: 'Imminent-risk handoff: no PSAP has taken it',
};

/** Who may act on an alarm of `kind` (the server checks again). */
function mayResolve(kind, role) {
  if (kind === 'handoff_unanswered') return role === 'supervisor';
  return ['call_taker', 'clinician', 'counselor', 'supervisor'].includes(role);
}

/** Mounts the alarm banner at the top of `main`; returns a clean-up function. */
export async function mountAlarms(main, { user }) {
  const banner = h('section', { class: 'alarms', 'aria-label': 'Alarms', hidden: true });
  main.prepend(banner);
  const alarmed = new Map();
  // Typed text survives re-renders: forms are kept per incident until the alarm ends.
  const forms = new Map();

  function track(incident) {
    if (incident.alarm && incident.holder === user.agency.id && incident.status !== 'closed') {
      const isNew = !alarmed.has(incident.id);
      alarmed.set(incident.id, incident);
      if (isNew) announce(`Alarm: ${KINDS[incident.alarm.kind] ?? incident.alarm.kind}. ${incident.summary}`);
    } else {
      alarmed.delete(incident.id);
      forms.delete(incident.id);
    }
  }

  function form(incident) {
    let f = forms.get(incident.id);
    if (!f) {
      const done = h('input', { type: 'text', maxlength: 500, placeholder: 'e.g. called the PSAP\'s 10-digit line; contact made', 'aria-label': 'What was done' });
      const { both } = actionButton('Record what was done', async () => {
        if (!done.value.trim()) throw new Error('Say what was done first.');
        const r = await act(incident.id, { action: 'resolve_alarm', done: done.value });
        track(r.incident);
        render();
      }, { class: 'danger', 'data-action': 'resolve-alarm' });
      f = h('div', { class: 'field-row' }, done, both);
      forms.set(incident.id, f);
    }
    return f;
  }

  function render() {
    banner.hidden = alarmed.size === 0;
    replace(banner, [...alarmed.values()].map((i) => {
      const a = i.alarm;
      const since = a.kind === 'handoff_unanswered' && i.transfer ? i.transfer.started_at : a.raised_at;
      return h('div', { class: 'alarm', role: 'alert', 'data-alarm': a.kind, 'data-incident': i.id },
        h('p', {}, h('strong', {}, KINDS[a.kind] ?? a.kind), ' — ',
          h('span', { class: 'elapsed', 'data-since': since, 'data-kind': a.kind }, elapsed(since, a.kind)), ` · ${i.summary}`),
        h('p', { class: 'hint' }, a.reason,
          i.transfer ? ` Now offered to ${agencyName(i.transfer.to)} (round ${i.transfer.round}).` : ''),
        mayResolve(a.kind, user.role) ? form(i) : h('p', { class: 'hint' }, a.kind === 'handoff_unanswered'
          ? 'Call the PSAP directly; a supervisor records what was done.'
          : 'Offer it again, or record what was done.'));
    }));
  }

  // What waits for the agency, in the top bar (alerts.js), from the same incidents.
  const alerts = mountAlerts({ user });
  // Every open incident the API lists at once (500), not a board's first page: an alarm on the
  // 101st open incident is still counted and shown.
  const feed = new IncidentFeed({
    query: '?limit=500',
    onList: (incidents) => {
      alarmed.clear();
      incidents.forEach(track);
      render();
      alerts.list(incidents);
    },
    onIncident: (incident) => {
      track(incident);
      render();
      alerts.update(incident);
    },
  });
  const tick = setInterval(() => {
    for (const el of banner.querySelectorAll('.elapsed[data-since]')) el.textContent = elapsed(Number(el.dataset.since), el.dataset.kind);
  }, 1000);
  await feed.load();
  return () => {
    clearInterval(tick);
    feed.close();
    alerts.close();
  };
}

function elapsed(since, kind) {
  const time = fmt.duration((Date.now() - since) / 1000);
  return kind === 'handoff_unanswered' ? `${time} without a PSAP` : `${time} without an answer`;
}
