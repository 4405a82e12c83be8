// Keyboard shortcuts of the current view. A key does nothing while the user types in a field
// (Escape leaves the field), nor when a panel under focus used it already (the triage
// question takes Y, N and digits). "?" lists them.

import { h, replace } from './dom.js';

const bindings = new Map();

/** Binds `key` (one character, or a key name such as "Escape") for the current view. */
export function bind(key, label, run) {
  bindings.set(key.length === 1 ? key.toLowerCase() : key, { key, label, run });
}

export function clear() {
  bindings.clear();
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (typing(e.target)) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.key === '?') {
    e.preventDefault();
    showHelp();
    return;
  }
  const binding = bindings.get(e.key.length === 1 ? e.key.toLowerCase() : e.key);
  if (binding) {
    e.preventDefault();
    binding.run();
  }
});

let dialog = null;

export function showHelp() {
  dialog ??= document.body.appendChild(h('dialog', { 'aria-labelledby': 'shortcuts-title' }));
  const rows = [...bindings.values()].map((b) => h('tr', {}, h('td', {}, h('kbd', {}, b.key.toUpperCase())), h('td', {}, b.label)));
  replace(dialog,
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h('table', {}, h('tbody', {}, rows,
      h('tr', {}, h('td', {}, h('kbd', {}, 'Y'), ' ', h('kbd', {}, 'N'), ' ', h('kbd', {}, '1'), '–', h('kbd', {}, '9')), h('td', {}, 'Answer the question on screen')),
      h('tr', {}, h('td', {}, h('kbd', {}, '⌫')), h('td', {}, 'Back to the previous question')),
      h('tr', {}, h('td', {}, h('kbd', {}, '↑'), ' ', h('kbd', {}, '↓')), h('td', {}, 'Move through a list')),
      h('tr', {}, h('td', {}, h('kbd', {}, 'Esc')), h('td', {}, 'Leave a field')))),
    h('form', { method: 'dialog' }, h('button', { class: 'primary' }, 'Close')));
  dialog.showModal();
}
