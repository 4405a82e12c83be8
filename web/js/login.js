// The login form. A successful login sets the session cookie; the page keeps no token.

import { post } from './api.js';
import { h, field } from './dom.js';

export function loginView(main, { message, onLoggedIn }) {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { type: 'text', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 8, pattern: '[0-9 ]*' });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to Crisisbridge'),
    field('Username', username), field('Password', password), field('Authenticator code (if you enrolled one)', code), error, submit,
    h('p', { class: 'hint' }, 'Sessions end after 30 minutes without activity.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const body = { username: username.value.trim(), password: password.value };
      if (code.value.trim()) body.totp = code.value.trim();
      const session = await post('/sessions', body);
      password.value = '';
      code.value = '';
      if (session.totp_enrolment_required) enrolView(main, () => onLoggedIn(session.user));
      else onLoggedIn(session.user);
    } catch (err) {
      error.textContent = err.message;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  username.focus();
}

/** Enrolling an authenticator app, which the user's role needs: scan, type a code, done. */
export async function enrolView(main, onEnrolled) {
  const error = h('p', { class: 'error', role: 'alert' });
  const code = h('input', { type: 'text', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 8, required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Confirm');
  let enrolment;
  try {
    enrolment = await post('/me/totp', {});
  } catch (err) {
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    return;
  }
  const qr = new DOMParser().parseFromString(enrolment.qr_svg, 'image/svg+xml').documentElement;
  qr.setAttribute('role', 'img');
  qr.setAttribute('aria-label', 'QR code for your authenticator app');
  const form = h('form', { class: 'login enrol', 'aria-labelledby': 'enrol-title' },
    h('h1', { id: 'enrol-title' }, 'Set up your authenticator'),
    h('p', {}, 'Your role signs in with a code from an authenticator app as well as your password. Scan this with the app, then type the code it shows.'),
    h('div', { class: 'qr' }, qr),
    h('p', { class: 'hint' }, 'Or type this key into the app: ', h('code', { 'data-field': 'secret' }, enrolment.secret)),
    field('Code from the app', code), error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      await post('/me/totp/confirm', { secret: enrolment.secret, code: code.value.trim() });
      onEnrolled();
    } catch (err) {
      error.textContent = err.message;
      code.select();
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  code.focus();
}
