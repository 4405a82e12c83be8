// Alerts that are noticed: what waits for this agency to act — a call offered to it, a
// transfer returned to it, an imminent-risk handoff no PSAP has taken, and (for those who work
// them) follow-ups past their due time — counted from the
// server's own state (the agency's incidents and the live stream, never what happened to
// arrive since the page loaded), shown in the top bar and the tab's title until someone acts.
// Each new one can also chime and, while the tab is in the background, raise a desktop
// notification: off until the user turns it on, remembered per user in this browser.

import { h, replace, announce } from './dom.js';
import { agencyName } from './directory.js';
import { watchQueue } from './follow-ups.js';

const TITLE = document.title;

/** Why `incident` waits for `agency`, in words; null when it does not. */
export function waitingFor(incident, agency) {
  if (incident.status === 'closed') return null;
  if (incident.transfer && incident.transfer.to === agency) return `Offered by ${agencyName(incident.transfer.from)}`;
  if (incident.alarm && incident.holder === agency) {
    return incident.alarm.kind === 'handoff_unanswered' ? 'Imminent-risk handoff: no PSAP has taken it' : 'Transfer returned: nobody took the call';
  }
  return null;
}

const storageKey = (user) => `cb.alerts.${user.id}`;

/** A short two-tone chime, made here (no sound file is fetched). */
function chime() {
  try {
    const audio = new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 660].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    }
    setTimeout(() => audio.close(), 600);
  } catch {
    // No audio device: the marker and the notification still say it.
  }
  document.body.dataset.chimes = String(Number(document.body.dataset.chimes ?? 0) + 1);
}

function notify(text, incident) {
  if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const n = new Notification('Crisisbridge: needs action', { body: `${text} — ${incident.summary}`, tag: incident.id });
  n.onclick = () => {
    window.focus();
    n.close();
  };
}

/**
 * Mounts the marker and the alert switch in the top bar. The caller feeds it the agency's
 * incidents (`list` at start and after a reconnect, `track` on each change) from the feed it
 * already keeps — the alarm banner's — so no incident is fetched twice.
 */
export function mountAlerts({ user }) {
  const actions = document.querySelector('.topbar-actions');
  const waiting = new Map();
  let loaded = false;
  let on = localStorage.getItem(storageKey(user)) === 'on';
  const marker = h('span', { class: 'needs-action', role: 'status', 'aria-live': 'polite', hidden: true });
  const toggle = h('button', { type: 'button', class: 'quiet', 'data-action': 'alert-sound' });
  function drawToggle() {
    toggle.setAttribute('aria-pressed', String(on));
    toggle.textContent = on ? '🔔 Alerts on' : '🔕 Alerts off';
    toggle.title = on ? 'A chime and, in the background, a desktop notification for each new call waiting' : 'Turn on a chime and desktop notifications for new calls waiting';
  }
  toggle.addEventListener('click', async () => {
    on = !on;
    localStorage.setItem(storageKey(user), on ? 'on' : 'off');
    drawToggle();
    if (on) {
      chime();
      if (typeof Notification !== 'undefined' && Notification.permission === 'default') await Notification.requestPermission();
    }
  });
  drawToggle();
  actions?.prepend(marker, toggle);

  // Overdue follow-ups, by incident: from the agency's follow-up queue (they are on closed
  // incidents, which the incident feed does not hold).
  const overdue = new Map();
  const worksFollowUps = user.role === 'care_navigator'
    || (user.role === 'supervisor' && ['crisis_center', 'mobile_crisis_provider'].includes(user.agency.kind));
  let queueLoaded = false;
  const stopQueue = worksFollowUps ? watchQueue((queue) => {
    const now = Date.now();
    const before = new Map(overdue);
    overdue.clear();
    for (const i of queue.incidents) {
      if (i.follow_ups.some((f) => !f.outcome && f.due < now)) overdue.set(i.id, ['Follow-up overdue', i]);
    }
    const fresh = [...overdue.keys()].filter((id) => !before.has(id));
    if (queueLoaded && fresh.length) {
      announce(`Needs action: ${fresh.length} follow-up${fresh.length === 1 ? '' : 's'} overdue.`);
      if (on) {
        chime();
        notify('Follow-up overdue', overdue.get(fresh[0])[1]);
      }
    }
    queueLoaded = true;
    draw();
  }, { limit: 200 }) : null;

  function draw() {
    const n = waiting.size + overdue.size;
    marker.hidden = n === 0;
    replace(marker, n ? `⚠ ${n} waiting for action` : '');
    marker.title = [...waiting.values(), ...overdue.values()].map(([why, i]) => `${why}: ${i.summary}`).join('\n');
    document.title = n ? `(${n}) ${TITLE}` : TITLE;
  }

  /** `before`: what waited before this change (after a reconnect, the list before it). */
  function track(incident, before = waiting) {
    const why = waitingFor(incident, user.agency.id);
    if (!why) {
      waiting.delete(incident.id);
      return;
    }
    const isNew = !before.has(incident.id) || before.get(incident.id)[0] !== why;
    waiting.set(incident.id, [why, incident]);
    if (isNew && loaded) {
      announce(`Needs action: ${why}.`);
      if (on) {
        chime();
        notify(why, incident);
      }
    }
  }

  return {
    list(incidents) {
      const before = new Map(waiting);
      waiting.clear();
      for (const i of incidents) track(i, before);
      draw();
      loaded = true;
    },
    update(incident) {
      track(incident);
      draw();
    },
    close() {
      stopQueue?.();
      marker.remove();
      toggle.remove();
      document.title = TITLE;
    },
  };
}
