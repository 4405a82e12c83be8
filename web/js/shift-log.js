// The shift log: handover notes one shift leaves the next, and who acknowledged reading each.
// A top-bar button counts the notes the user has not acknowledged (checked every minute) and
// opens the log above the view: the notes, newest first, each acknowledged with one button,
// and a note to write for the next shift.

import { get, post } from './api.js';
import { h, replace, announce, actionButton } from './dom.js';
import * as fmt from './format.js';

const REFRESH_MS = 60_000;

/** Mounts the shift log's button and panel; returns a clean-up function. */
export function mountShiftLog(main) {
  const actions = document.querySelector('.topbar-actions');
  const button = h('button', { type: 'button', class: 'quiet', 'data-action': 'shift-log', 'aria-expanded': 'false' });
  const panel = h('section', { class: 'card shift-log', 'aria-label': 'Shift log', hidden: true });
  const list = h('ol', { class: 'shift-notes' });
  const text = h('textarea', { maxlength: 4000, rows: 3, name: 'handover', 'aria-label': 'Handover note for the next shift', placeholder: 'What the next shift needs to know' });
  const write = actionButton('Write handover note', async () => {
    if (!text.value.trim()) throw new Error('Write the note first.');
    await post('/shift-log', { text: text.value });
    text.value = '';
    announce('Handover note written.');
    await load();
  }, { 'data-action': 'write-handover' });
  replace(panel, h('h2', {}, 'Shift log'), list, h('div', { class: 'field-row' }, text), write.both);
  actions?.prepend(button);
  main.prepend(panel);
  let notes = [];

  function draw() {
    const unread = notes.filter((n) => !n.read_by_me).length;
    replace(button, unread ? `📋 Shift log (${unread} unread)` : '📋 Shift log');
    button.classList.toggle('unread', unread > 0);
    replace(list, notes.length ? notes.map((n) => h('li', { 'data-note': n.id, class: n.read_by_me ? 'read' : 'unread' },
      h('p', {}, h('time', {}, fmt.dateTime(n.at)), ' ', h('strong', {}, n.author_name), ': ', n.text),
      h('p', { class: 'hint' }, n.read_by.length ? `Read by ${n.read_by.map((r) => r.name).join(', ')}` : 'Nobody has acknowledged it yet'),
      n.read_by_me ? null : actionButton('Acknowledge', async () => {
        await post(`/shift-log/${n.id}/acknowledge`, {});
        await load();
      }, { 'data-action': 'acknowledge' }).both))
      : h('li', { class: 'empty' }, 'No handover notes yet.'));
  }

  async function load() {
    try {
      notes = await get('/shift-log?limit=50');
      draw();
    } catch {
      // The next refresh tries again; the button keeps its last count.
    }
  }

  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    button.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) {
      load();
      text.focus();
    }
  });
  const timer = setInterval(load, REFRESH_MS);
  load();
  return () => {
    clearInterval(timer);
    button.remove();
    panel.remove();
  };
}
