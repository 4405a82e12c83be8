// Search and history: the agency's incidents, closed ones included, by words of the summary
// and notes, callback number, id, opening dates, status, channel and outcome — newest first,
// a page at a time (the server's cursor, so a page is as quick in a year of history as in a
// day), and every match as CSV. Choosing a result opens the incident in full.

import { get } from './api.js';
import { h, replace, field, announce } from './dom.js';
import * as fmt from './format.js';

const PAGE = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const options = (entries, any) => [h('option', { value: '' }, any), entries.map(([v, label]) => h('option', { value: v }, label))];

/** The search panel: `onOpen(id)` opens a result. Returns `{el, focus}`. */
export function searchPanel({ onOpen }) {
  const words = h('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: 'words, a number, or an incident id' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const status = h('select', { name: 'status' }, options(Object.entries(fmt.STATUSES), 'Any status'));
  const outcome = h('select', { name: 'outcome' }, options(Object.entries(fmt.DISPOSITIONS), 'Any outcome'));
  const channel = h('select', { name: 'channel' }, options([['911', '911'], ['988', '988'], ['other', 'Other']], 'Any channel'));
  const csv = h('a', { class: 'button', download: 'incidents.csv', href: '#', hidden: true }, 'Download CSV');
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  const older = h('button', { type: 'button', 'data-page': 'older', hidden: true, onclick: () => page(cursors.length) }, 'Older ›');
  const newer = h('button', { type: 'button', 'data-page': 'newer', hidden: true, onclick: () => page(cursors.length - 2) }, '‹ Newer');
  const where = h('span', { class: 'hint', role: 'status' });
  // The cursor each page shown so far started at ('' for the first), and the next page's.
  let cursors = [];
  let next = null;
  let base = '';
  let generation = 0;

  /** The query the form asks for: a number or an id typed in the words box goes by itself. */
  function query() {
    const p = new URLSearchParams();
    const typed = words.value.trim();
    if (UUID.test(typed)) p.set('id', typed);
    else if (/^\+?[\d\s().-]{7,}$/.test(typed)) p.set('number', typed);
    else if (typed) p.set('q', typed);
    for (const [name, el] of [['from', from], ['to', to], ['status', status], ['outcome', outcome], ['channel', channel]]) {
      if (el.value) p.set(name, el.value);
    }
    return p;
  }

  async function page(n) {
    if (n < 0) return;
    const mine = ++generation;
    const after = n === 0 ? '' : (n < cursors.length ? cursors[n] : next);
    replace(results, h('p', { class: 'hint' }, 'Searching…'));
    try {
      const found = await get(`/incidents/search?${base}&limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      if (mine !== generation) return;
      cursors = cursors.slice(0, n);
      cursors.push(after);
      next = found.next ?? null;
      draw(found.incidents, n);
    } catch (e) {
      if (mine !== generation) return;
      replace(results, h('p', { class: 'error', role: 'alert' }, e.message));
      older.hidden = true;
      newer.hidden = true;
    }
  }

  function draw(incidents, n) {
    older.hidden = !next;
    newer.hidden = n === 0;
    where.textContent = incidents.length
      ? `Page ${n + 1}: ${incidents.length} incident${incidents.length === 1 ? '' : 's'}${next ? ', more older ones' : ''}.`
      : '';
    announce(incidents.length ? `${incidents.length} incidents found.` : 'No incident matches.');
    if (!incidents.length) {
      replace(results, h('p', { class: 'empty' }, n === 0 ? 'No incident matches.' : 'No older incidents.'));
      return;
    }
    replace(results, h('table', { class: 'search-table' },
      h('thead', {}, h('tr', {}, ['Opened', 'Channel', 'Status', 'Outcome', 'Callback', 'Summary'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, incidents.map((i) => h('tr', { 'data-incident': i.id },
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => onOpen(i.id), title: `Open incident …${fmt.shortId(i.id)}` }, fmt.dateTime(i.opened_at))),
        h('td', {}, i.channel),
        h('td', {}, fmt.status(i.status)),
        h('td', {}, i.closure ? (fmt.DISPOSITIONS[i.closure.disposition] ?? i.closure.disposition) : ''),
        h('td', {}, i.callback_number ?? ''),
        h('td', { class: 'summary' }, i.summary))))));
  }

  function search() {
    base = query().toString();
    csv.href = `/api/v1/incidents/search?${base}&format=csv`;
    csv.hidden = false;
    cursors = [];
    next = null;
    page(0);
  }

  const form = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); search(); } },
    field('Search', words, 'Whole words of the summary and notes, all of them; or a callback number; or an incident id.'),
    h('div', { class: 'search-filters' },
      h('label', {}, 'Opened from ', from), h('label', {}, 'to (not included) ', to),
      h('label', {}, 'Status ', status), h('label', {}, 'Outcome ', outcome), h('label', {}, 'Channel ', channel)),
    h('div', { class: 'search-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search'), csv));
  const el = h('section', { class: 'card search', 'aria-label': 'Search incidents' },
    h('h2', {}, 'Search incidents'), form, results, h('div', { class: 'pager' }, newer, where, older));
  return { el, focus: () => words.focus(), search };
}

/**
 * A sidebar button (and the "/" key) that shows the search panel in a view's workspace, in
 * place of the incident shown; a result opens with `select(id)`.
 */
export function searchButton({ workspace, panel, select, bind }) {
  const search = searchPanel({ onOpen: (id) => select(id) });
  const open = () => {
    panel.clear();
    replace(workspace, search.el);
    search.focus();
  };
  bind('/', 'Search incidents, closed ones too', open);
  return h('button', { type: 'button', 'data-action': 'search', 'aria-keyshortcuts': '/', onclick: open }, 'Search ', h('kbd', {}, '/'));
}
