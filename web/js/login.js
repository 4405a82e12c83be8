// The login form. A successful login sets the session cookie; the page keeps no token.

import { post } from './api.js';
import { h, field } from './dom.js';

export function loginView(main, { message, onLoggedIn }) {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to Crisisbridge'),
    field('Username', username), field('Password', password), error, submit,
    h('p', { class: 'hint' }, 'Sessions end after 30 minutes without activity.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const session = await post('/sessions', { username: username.value.trim(), password: password.value });
      password.value = '';
      onLoggedIn(session.user);
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
