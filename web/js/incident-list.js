// A live list of incidents: rows are buttons (Enter opens one; ↑/↓ move between them), kept
// in order as updates arrive, and a row that changes flashes briefly.

import { h, replace } from './dom.js';
import { channelBadge } from './incident-detail.js';
import * as fmt from './format.js';
import { agencyName } from './directory.js';

export class IncidentList {
  /** `filter(incident)`: whether it belongs here; `describe(incident)`: an extra line;
   *  `sort(a, b)`: order (default: most recently updated first). */
  constructor({ label, filter = () => true, describe, sort, onSelect, empty = 'Nothing here.' }) {
    this.filter = filter;
    this.describe = describe;
    this.sort = sort ?? ((a, b) => b.updated_at - a.updated_at);
    this.onSelect = onSelect;
    this.emptyText = empty;
    this.incidents = new Map();
    this.selected = null;
    this.ul = h('ul', { class: 'list', 'aria-label': label });
    this.ul.addEventListener('keydown', (e) => this.keys(e));
    this.el = this.ul;
  }

  get size() {
    return this.incidents.size;
  }

  set(list) {
    this.incidents = new Map(list.filter(this.filter).map((i) => [i.id, i]));
    this.render();
  }

  /** Adds, replaces or drops one incident; answers whether it is listed now. */
  upsert(incident, { fresh = true } = {}) {
    const had = this.incidents.has(incident.id);
    if (this.filter(incident)) this.incidents.set(incident.id, incident);
    else this.incidents.delete(incident.id);
    if (had || this.incidents.has(incident.id)) this.render(fresh ? incident.id : null);
    return this.incidents.has(incident.id);
  }

  select(id) {
    this.selected = id;
    for (const b of this.ul.querySelectorAll('button.item')) b.setAttribute('aria-current', String(b.dataset.id === id));
  }

  render(freshId) {
    const focusedId = document.activeElement?.closest?.('button.item')?.dataset.id;
    const rows = [...this.incidents.values()].sort(this.sort).map((i) => {
      const button = h('button', {
        type: 'button', class: ['item', i.id === freshId && 'fresh'], 'data-id': i.id,
        'aria-current': String(i.id === this.selected), onclick: () => this.onSelect?.(i),
      },
      h('span', { class: 'item-title' }, channelBadge(i.channel),
        i.recommended_action ? h('span', { class: 'badge' }, fmt.outcome(i.recommended_action)) : null,
        i.transfer ? h('span', { class: 'badge warn' }, `Offered to ${agencyName(i.transfer.to)}`) : null,
        h('span', {}, i.summary || 'No summary')),
      h('span', { class: 'item-meta' }, `${fmt.status(i.status)} · opened ${fmt.clock(i.opened_at)} · …${fmt.shortId(i.id)}`),
      this.describe ? h('span', { class: 'item-meta' }, this.describe(i)) : null);
      return h('li', {}, button);
    });
    replace(this.ul, rows.length ? rows : h('li', { class: 'empty' }, this.emptyText));
    if (focusedId) this.ul.querySelector(`button.item[data-id="${focusedId}"]`)?.focus();
  }

  keys(e) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...this.ul.querySelectorAll('button.item')];
    const at = buttons.indexOf(document.activeElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  }

  focusFirst() {
    this.ul.querySelector('button.item')?.focus();
  }
}
