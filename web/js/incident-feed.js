// Keeps a view's incidents current from the live stream: each event names its incident, and
// the incident is fetched again (a burst of events on one incident is one fetch). After a
// reconnect the whole list is fetched again, so nothing stays stale.

import { get } from './api.js';
import * as live from './live.js';
import { announce } from './dom.js';

export class IncidentFeed {
  /**
   * `query`: the list's query string (e.g. "?channel=988"); `onList(incidents)`: the whole
   * list (at start and after a reconnect); `onIncident(incident, events)`: one incident
   * changed, with the events that changed it; `onTeam(kind, team)`: a team event;
   * `onResync()`: after a reconnect, beside the new list.
   */
  constructor({ query = '', onList, onIncident, onTeam, onResync, announceNew }) {
    Object.assign(this, { query, onList, onIncident, onTeam, onResync, announceNew });
    this.known = new Set();
    this.pending = new Map();
    this.unsubscribe = live.subscribe((m) => this.handle(m));
  }

  async load() {
    const list = await get(`/incidents${this.query}`);
    for (const i of list) this.known.add(i.id);
    this.onList?.(list);
    return list;
  }

  handle(message) {
    if (message.resync) {
      this.load().catch(() => {});
      this.onResync?.();
      return;
    }
    if (message.kind?.startsWith('team_')) {
      this.onTeam?.(message.kind, message.data);
      return;
    }
    const event = message.data;
    const id = event?.incident_id;
    if (!id) return;
    let entry = this.pending.get(id);
    if (!entry) {
      entry = { events: [], timer: setTimeout(() => this.refresh(id), 120) };
      this.pending.set(id, entry);
    }
    entry.events.push(event);
  }

  async refresh(id) {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    try {
      const incident = await get(`/incidents/${id}`);
      const isNew = !this.known.has(id);
      this.known.add(id);
      if (isNew && this.announceNew) announce(this.announceNew(incident));
      this.onIncident?.(incident, entry?.events ?? []);
    } catch (e) {
      // Not visible (any more) or the server is gone: the next resync settles it.
      if (e.status !== 404) console.warn('refreshing an incident failed', e);
    }
  }

  close() {
    this.unsubscribe();
    for (const { timer } of this.pending.values()) clearTimeout(timer);
  }
}
