// Who the person in crisis is, as far as responders need to know before they arrive: the
// language they speak, whether an interpreter is needed, their age band. Asked when a call
// is opened, shown on the incident and the responder's phone, changed later with
// `describe_contact`.

import { act } from './api.js';
import { h, field, actionButton } from './dom.js';

export const AGE_BANDS = {
  child: 'a child (under 12)',
  adolescent: 'an adolescent (12–17)',
  adult: 'an adult (18–64)',
  older_adult: 'an older adult (65+)',
};

/** "Spanish · interpreter needed · an adolescent (12–17)"; null when nothing was described. */
export function contactText(contact) {
  if (!contact) return null;
  const parts = [
    contact.language || null,
    contact.interpreter ? 'interpreter needed' : null,
    contact.age_band ? AGE_BANDS[contact.age_band] ?? contact.age_band : null,
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}

/** The three fields, prefilled from `contact`: `{el, value()}` (the API's shape). */
export function contactFields(contact = {}) {
  const language = h('input', { type: 'text', name: 'language', maxlength: 40, autocomplete: 'off', placeholder: 'e.g. Spanish, ASL', value: contact.language ?? '' });
  const interpreter = h('input', { type: 'checkbox', name: 'interpreter' });
  interpreter.checked = !!contact.interpreter;
  const age = h('select', { name: 'age_band' },
    h('option', { value: '' }, 'Not said'),
    Object.entries(AGE_BANDS).map(([v, label]) => h('option', { value: v }, label.replace(/^an? /, ''))));
  age.value = contact.age_band ?? '';
  const el = h('div', { class: 'contact-fields' },
    field('Language', language),
    h('label', { class: 'check' }, interpreter, ' Interpreter needed'),
    field('Age', age));
  return {
    el,
    value: () => ({ language: language.value.trim(), interpreter: interpreter.checked, age_band: age.value || undefined }),
  };
}

/** A card to change what was described: `onDone(result)` with the action's answer. */
export function contactCard(incident, onDone) {
  const fields = contactFields(incident.contact);
  const { both } = actionButton('Save', async () => {
    onDone(await act(incident.id, { action: 'describe_contact', ...fields.value() }));
  }, { 'data-action': 'describe-contact' });
  return h('details', { class: 'card', 'data-section': 'contact' },
    h('summary', {}, `Language and age${contactText(incident.contact) ? `: ${contactText(incident.contact)}` : ''}`),
    fields.el, both);
}
