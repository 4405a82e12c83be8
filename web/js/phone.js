// The phone panel of call-takers and counselors whose phones do not post their calls
// themselves: "Ringing" records a call's arrival, then "Answered", "Hung up" (abandoned) or,
// at a 988 center, "Rolled over" records how it ended (POST /calls, the same steps a phone
// system posts). The answer-time measures read them.

import { post } from './api.js';
import { h, replace, announce } from './dom.js';

function seconds(ms) {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

/** A new call id for a call recorded by hand. */
function newCallId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `console-${Date.now()}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function phonePanel({ channel }) {
  const body = h('div', { class: 'phone-body' });
  const status = h('p', { class: 'hint', role: 'status' }, 'No call ringing.');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  let ringing = null; // { id, since }
  let busy = false; // a step is being posted: a second click waits for it

  // Each step carries the time of the click, so posting it again is a harmless repeat.
  async function send(step, at, extra = {}) {
    error.hidden = true;
    try {
      return await post('/calls', { call_id: ringing.id, step, at, ...extra });
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      return null;
    }
  }

  async function ring() {
    if (busy) return;
    busy = true;
    ringing = { id: newCallId(), since: Date.now() };
    const ok = await send('arrived', ringing.since, { channel });
    busy = false;
    if (!ok) { ringing = null; return; }
    status.textContent = `Ringing since ${new Date(ringing.since).toLocaleTimeString()}.`;
    render();
  }

  async function end(step, extra, words) {
    if (busy || !ringing) return;
    busy = true;
    const at = Date.now();
    const done = await send(step, at, extra);
    busy = false;
    if (!done) return;
    const waited = seconds(at - ringing.since);
    ringing = null;
    status.textContent = `Last call: ${words} after ${waited}.`;
    announce(`Call ${words} after ${waited}.`);
    render();
  }

  function render() {
    if (!ringing) {
      replace(body, h('button', { type: 'button', onclick: ring }, 'Ringing'));
      return;
    }
    const backup = h('input', { type: 'text', name: 'backup', placeholder: 'backup center', 'aria-label': 'Backup center' });
    const inState = h('input', { type: 'checkbox', name: 'in_state', checked: true });
    replace(body,
      h('button', { type: 'button', class: 'primary', onclick: () => end('answered', {}, 'answered') }, 'Answered'),
      h('button', { type: 'button', onclick: () => end('abandoned', {}, 'abandoned') }, 'Hung up'),
      channel === '988' ? h('div', { class: 'phone-rollover' }, backup,
        h('label', {}, inState, ' in state'),
        h('button', {
          type: 'button',
          onclick: () => end('rolled_over', { to: backup.value.trim() || 'backup center', in_state: inState.checked }, 'rolled over'),
        }, 'Rolled over')) : null);
  }

  render();
  const el = h('section', { class: 'card phone', 'aria-label': 'Phone' },
    h('h2', {}, 'Phone'), status, body, error);
  return { el };
}
