// The workspace for one incident: sections that each render from the incident and its
// events, and re-render only when what they show changes — so a question being answered, or a
// note being typed, is not wiped by an update that arrives meanwhile.

import { get } from './api.js';
import { h, replace } from './dom.js';

export class IncidentPanel {
  /** `sections`: [{name, render(incident, events, panel), key?(incident, events),
   *  column?: 'side'}]. */
  constructor(container, sections) {
    this.container = container;
    this.sections = sections;
    this.incident = null;
    this.events = [];
    this.slots = new Map();
  }

  get id() {
    return this.incident?.id ?? null;
  }

  async show(id) {
    const [incident, events] = await Promise.all([get(`/incidents/${id}`), get(`/incidents/${id}/events`)]);
    this.incident = incident;
    this.events = events;
    this.slots = new Map();
    const columns = { main: [], side: [] };
    for (const section of this.sections) {
      const slot = h('div', { class: `slot slot-${section.name}` });
      this.slots.set(section.name, { slot, key: undefined });
      columns[section.column === 'side' ? 'side' : 'main'].push(slot);
    }
    // Sections marked `column: 'side'` go in a second column beside the others.
    replace(this.container, columns.side.length
      ? h('div', { class: 'columns' }, h('div', { class: 'col-main' }, columns.main), h('div', { class: 'col-side' }, columns.side))
      : columns.main);
    this.render();
    return incident;
  }

  /** A newer state of the shown incident, and the events that led to it. */
  update(incident, newEvents = []) {
    if (!this.incident || incident.id !== this.incident.id) return;
    if (incident.version < this.incident.version) return;
    this.incident = incident;
    const seen = new Set(this.events.map((e) => e.seq));
    for (const e of newEvents) if (!seen.has(e.seq)) this.events.push(e);
    this.events.sort((a, b) => a.seq - b.seq);
    this.render();
  }

  render() {
    for (const section of this.sections) {
      const entry = this.slots.get(section.name);
      if (!entry) continue;
      const key = section.key ? JSON.stringify(section.key(this.incident, this.events)) : Symbol('always');
      if (typeof key === 'string' && key === entry.key) continue;
      entry.key = key;
      replace(entry.slot, section.render(this.incident, this.events, this));
    }
  }

  clear(text) {
    this.incident = null;
    this.events = [];
    this.slots = new Map();
    replace(this.container, text ? h('p', { class: 'empty' }, text) : null);
  }
}
