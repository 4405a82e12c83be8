// Recommended posts on the dispatcher's map: the JSON that `crisisbridge plan posts --json`
// writes, read in the browser (nothing is sent to the server) and drawn as markers with the
// number of teams each post should hold, listed beside the map. A file that is not such a plan
// is refused with what is wrong, and whatever was shown stays.

import { h, replace, announce } from './dom.js';

/** The posts of a plan, checked: [{name, lat, lon, teams}]. Throws with what is wrong. */
export function readPlan(text) {
  let plan;
  try {
    plan = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e.message}): choose the file that \`crisisbridge plan posts --json\` wrote`);
  }
  if (!plan || !Array.isArray(plan.posts)) {
    throw new Error('no "posts" list: choose the file that `crisisbridge plan posts --json` wrote');
  }
  return plan.posts.map((p, k) => {
    const where = `post ${k + 1}${typeof p?.name === 'string' ? ` (${p.name})` : ''}`;
    if (typeof p?.name !== 'string' || !p.name.trim()) throw new Error(`${where} has no name`);
    if (!(typeof p.lat === 'number' && Math.abs(p.lat) <= 90)) throw new Error(`${where}: latitude ${p.lat} is not between −90 and 90`);
    if (!(typeof p.lon === 'number' && Math.abs(p.lon) <= 180)) throw new Error(`${where}: longitude ${p.lon} is not between −180 and 180`);
    if (!(Number.isInteger(p.teams) && p.teams > 0)) throw new Error(`${where}: ${p.teams} teams is not a whole number above 0`);
    return { name: p.name, lat: p.lat, lon: p.lon, teams: p.teams };
  });
}

/** The card beside the map: a file picker, the posts listed, Clear. Draws on `map`. */
export function postsCard(map) {
  const list = h('ul', { class: 'list posts-list', 'aria-label': 'Recommended posts' });
  const status = h('p', { class: 'hint', role: 'status' }, 'Load a plan from `crisisbridge plan posts --json` to see where teams should wait.');
  const clear = h('button', { type: 'button', hidden: true, onclick: () => show([], null) }, 'Clear posts');
  const input = h('input', { type: 'file', accept: '.json,application/json', 'aria-label': 'Plan of posts (JSON)' });
  function show(posts, file) {
    map.setMarkers('posts', posts.map((p, k) => ({
      id: `post-${k}`, lat: p.lat, lon: p.lon, shape: 'team', cls: 'post', label: String(p.teams),
      title: `${p.name}: ${p.teams} team${p.teams === 1 ? '' : 's'} recommended`,
    })));
    replace(list, posts.map((p) => h('li', { class: 'post-row' }, h('strong', {}, p.name), ` · ${p.teams} team${p.teams === 1 ? '' : 's'}`)));
    clear.hidden = !posts.length;
    status.className = 'hint';
    status.setAttribute('role', 'status');
    status.textContent = file ? `${posts.reduce((n, p) => n + p.teams, 0)} teams at ${posts.length} posts, from ${file}.` : 'No plan shown.';
  }
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      const posts = readPlan(await file.text());
      show(posts, file.name);
      announce(`Recommended posts shown: ${posts.length}.`);
    } catch (e) {
      status.className = 'error';
      status.setAttribute('role', 'alert');
      status.textContent = `${file.name}: ${e.message}`;
    }
    input.value = '';
  });
  return h('section', { class: 'card posts', 'aria-label': 'Recommended posts' },
    h('h2', { class: 'section-title' }, 'Recommended posts'), h('label', {}, 'Plan ', input), status, list, clear);
}
