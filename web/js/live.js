// The live event stream: one EventSource per page (the session cookie authenticates it).
//
// - Resume: every incident event carries `id: <seq>`. When the connection drops, the browser
//   reconnects by itself and sends `Last-Event-ID`; the server replays what was missed, so no
//   event is lost. When the browser gives up (the server answered an error, e.g. while it
//   restarted), we open a new EventSource with `?after=<last seq>` after a back-off.
// - After any reconnect, views refetch their lists (`onResync`), which also covers events
//   from before the first one this page saw.
// - While disconnected the banner says so; the header shows "Live" otherwise.

import { get } from './api.js';

/** Every event kind the server sends (`event:` lines). Team kinds carry no `id:`. */
export const INCIDENT_KINDS = [
  'opened', 'located', 'address_recorded', 'routed', 'triage_recorded', 'retriaged', 'decision_overridden',
  'transfer_offered', 'transfer_accepted', 'transfer_declined', 'transfer_timed_out',
  'transfer_returned', 'transfer_withdrawn', 'alarm_raised', 'alarm_resolved',
  'emergency_handoff_started', 'emergency_handoff_confirmed', 'handed_off_from',
  'clinician_claimed', 'clinician_released', 'clinician_handed_on', 'team_dispatched',
  'team_status_changed', 'note_added', 'contact_described', 'closed',
  'follow_up_consent_recorded', 'follow_up_scheduled', 'follow_up_attempted', 'follow_up_finished',
  'destination_chosen', 'handover_accepted', 'handover_refused',
];
export const TEAM_KINDS = ['team_position', 'team_status', 'team_stale'];

const listeners = new Set();
let source = null;
let lastSeq = null;
let down = false;
let everOpen = false;
let retryMs = 1000;
let retryTimer = null;
let stopped = false;
let onSessionGone = () => {};

/** `handler({kind, data, seq})` for incident events (data: the EventDto) and team events
 *  (data: the team); `handler({resync: true})` after a reconnect. Returns an unsubscribe. */
export function subscribe(handler) {
  listeners.add(handler);
  return () => listeners.delete(handler);
}

function emit(message) {
  for (const handler of [...listeners]) {
    try {
      handler(message);
    } catch (e) {
      console.error('live handler failed', e);
    }
  }
}

function showState(connected) {
  const badge = document.getElementById('connection');
  const banner = document.getElementById('banner');
  if (badge) {
    badge.hidden = false;
    badge.textContent = connected ? '● Live' : '○ Disconnected';
    badge.classList.toggle('down', !connected);
  }
  if (banner) {
    banner.hidden = connected;
    banner.textContent = connected ? '' : 'Disconnected from the server — reconnecting. What you see may be out of date; nothing you saw is lost.';
  }
  document.body.dataset.live = connected ? 'connected' : 'disconnected';
}

function open(resolveFirst) {
  const url = lastSeq === null ? '/api/v1/stream' : `/api/v1/stream?after=${lastSeq}`;
  const es = new EventSource(url);
  source = es;
  es.addEventListener('open', () => {
    retryMs = 1000;
    const wasDown = down;
    down = false;
    showState(true);
    if (!everOpen) {
      everOpen = true;
      resolveFirst?.();
    } else if (wasDown) {
      emit({ resync: true });
    }
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    down = true;
    showState(false);
    if (es.readyState === EventSource.CLOSED) scheduleReopen();
  });
  for (const kind of INCIDENT_KINDS) {
    es.addEventListener(kind, (e) => {
      if (e.lastEventId) {
        lastSeq = Number(e.lastEventId);
        document.body.dataset.lastSeq = e.lastEventId;
      }
      deliver(kind, e);
    });
  }
  for (const kind of TEAM_KINDS) es.addEventListener(kind, (e) => deliver(kind, e));
}

function deliver(kind, e) {
  let data;
  try {
    data = JSON.parse(e.data);
  } catch {
    return;
  }
  emit({ kind, data, seq: data?.seq ?? null });
}

function scheduleReopen() {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(async () => {
    if (stopped) return;
    try {
      await get('/me');
    } catch (e) {
      if (e.status === 401) {
        onSessionGone(e);
        return;
      }
    }
    open();
  }, retryMs);
  retryMs = Math.min(retryMs * 2, 10000);
}

/** Opens the stream; resolves once it is connected (the server then holds our place, so
 *  lists fetched afterwards miss nothing). Gives up waiting after 5 s but keeps trying. */
export function start({ sessionGone } = {}) {
  stopped = false;
  onSessionGone = sessionGone ?? onSessionGone;
  return new Promise((resolve) => {
    open(resolve);
    setTimeout(resolve, 5000);
  });
}

export function stop() {
  stopped = true;
  clearTimeout(retryTimer);
  source?.close();
  source = null;
  listeners.clear();
  everOpen = false;
  lastSeq = null;
  down = false;
}

/** The last event sequence number seen (for tests and diagnostics). */
export const lastSeen = () => lastSeq;
