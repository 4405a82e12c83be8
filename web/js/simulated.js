// A simulated scenario beside a real period in the Reports view: the JSON that
// `crisisbridge simulate --scenario … --json` writes, read in the browser (nothing is sent to
// the server). Where a simulated figure has the outcome report's own definition it is shown in
// that measure's row — dispatch to on scene and on scene within 1 h and 2 h of dispatch (every
// dispatch's own drive), and the 988 line's answers within 15 s or 20 s and abandonment (marked
// "988 line": the period's figure counts every channel) — each as the mean over the
// replications ± its 95 % half-width. A scenario with a [county] carries the outcome report's
// own measures over its simulated incidents: each goes in its row, in place of the above. The
// scenario's other figures (response from the call, by priority; utilisation; each 988
// center's) have no real counterpart and are listed apart.

import { h } from './dom.js';

// An estimate is {mean, half_width}; one the simulation could not make (no call of that kind
// in any replication) is null in the JSON, and shows as "—".
const isEstimate = (e) => e !== null && typeof e === 'object' && typeof e.mean === 'number' && typeof e.half_width === 'number';
const known = (e) => isEstimate(e) || e === null;
const pct = (e) => (isEstimate(e) ? `${(e.mean * 100).toFixed(1)} % ± ${(e.half_width * 100).toFixed(1)}` : '—');
const minutes = (e) => (isEstimate(e) ? `${(e.mean / 60).toFixed(1)} min ± ${(e.half_width / 60).toFixed(1)}` : '—');

/** A county measure's estimate in its unit: %, minutes, seconds, or a count. */
function countyFigure(m) {
  if (!isEstimate(m.estimate)) return '—';
  const { mean, half_width: hw } = m.estimate;
  switch (m.unit) {
    case '%': return `${mean.toFixed(1)} % ± ${hw.toFixed(1)}`;
    case 'min': return `${mean.toFixed(1)} min ± ${hw.toFixed(1)}`;
    case 's': return `${mean.toFixed(0)} s ± ${hw.toFixed(0)}`;
    default: return `${mean.toFixed(0)} ± ${hw.toFixed(0)}`;
  }
}

/** A simulation's figures by measure id, and the rest. Throws with what is wrong. */
export function readSimulation(text) {
  let sim;
  try {
    sim = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e.message}): choose the file that \`crisisbridge simulate --scenario … --json\` wrote`);
  }
  const s = sim?.summary;
  const d = s?.dispatch_to_on_scene;
  const shape = s && Array.isArray(s.priorities) && s.priorities.every((p) => p && typeof p.name === 'string')
    && d && [d.median_s, d.p90_s, d.within_1h, d.within_2h].every(known)
    && isEstimate(s.utilisation) && isEstimate(s.calls_per_hour)
    && Number.isInteger(sim.replications) && typeof sim.days === 'number';
  if (!shape) {
    throw new Error('no simulated summary in it: choose the file that `crisisbridge simulate --scenario … --json` wrote');
  }
  const rows = new Map([
    ['mobile.dispatch_to_on_scene', `p50 ${minutes(d.median_s)}, p90 ${minutes(d.p90_s)}`],
    ['mobile.on_scene_within_1h', pct(d.within_1h)],
    ['mobile.on_scene_within_2h', pct(d.within_2h)],
  ]);
  const extra = [
    ['Calls per hour', `${s.calls_per_hour.mean.toFixed(2)} ± ${s.calls_per_hour.half_width.toFixed(2)}`],
    ['Team utilisation', pct(s.utilisation)],
    ...s.priorities.filter((p) => isEstimate(p.calls) && p.calls.mean > 0 && typeof p.target_s === 'number').flatMap((p) => [
      [`Priority ${p.name}: call to on scene within ${(p.target_s / 60).toFixed(1)} min${typeof p.rural_target_s === 'number' ? `, rural ${(p.rural_target_s / 60).toFixed(1)} min` : ''}`, pct(p.within_target)],
      [`Priority ${p.name}: call to on scene, median`, minutes(p.median_response_s)],
    ]),
  ];
  // The 988 line's figures are of 988 contacts only, while the period's row counts every
  // channel's calls: each says so.
  const line = sim.line988;
  if (line && known(line.answered_within_target) && known(line.abandoned)) {
    const within = { 15: 'contacts.answered_within_15s', 20: 'contacts.answered_within_20s' }[line.answer_within_s];
    if (within) rows.set(within, `988 line: ${pct(line.answered_within_target)}`);
    else extra.push([`988 answered within ${line.answer_within_s} s`, pct(line.answered_within_target)]);
    rows.set('contacts.abandoned', `988 line: ${pct(line.abandoned)}`);
    if (known(line.occupancy)) extra.push(['988 counselor occupancy', pct(line.occupancy)]);
  }
  // With a [county], the outcome report's own measures over the simulated incidents: every
  // one goes in its row (the same code, so the same definition), and the centers' apart.
  if (sim.county !== undefined && sim.county !== null) {
    if (!Array.isArray(sim.county.measures)) throw new Error('its county has no measures: choose the file that `crisisbridge simulate --scenario … --json` wrote');
    const times = new Map();
    for (const m of sim.county.measures) {
      if (typeof m?.id !== 'string' || typeof m.label !== 'string' || !known(m.estimate)) {
        throw new Error('a county measure without its id, label or estimate: choose the file that `crisisbridge simulate --scenario … --json` wrote');
      }
      const value = countyFigure(m);
      const time = /^(.*)\.(p50|p90)$/.exec(m.id);
      if (m.id.startsWith('center.')) extra.push([m.label, value]);
      else if (time) times.set(time[1], { ...times.get(time[1]), [time[2]]: value });
      else rows.set(m.id, value);
    }
    for (const [id, t] of times) rows.set(id, `p50 ${t.p50 ?? '—'}, p90 ${t.p90 ?? '—'}`);
  }
  const name = typeof sim.scenario === 'string' ? sim.scenario : 'scenario';
  return { name, about: `${name}: ${sim.replications} replications of ${sim.days} days, seed ${sim.seed}`, rows, extra };
}

/** The "Simulated" column added to a measures table (header and one cell per row). */
export function addColumn(table, simulation) {
  table.querySelector('thead tr')?.append(h('th', { scope: 'col' }, `Simulated: ${simulation.name}`));
  for (const row of table.querySelectorAll('tbody tr')) {
    const value = simulation.rows.get(row.dataset.measure);
    row.append(h('td', { class: value ? 'simulated' : 'simulated none' }, value ?? '—'));
  }
}

/** The figures with no real counterpart. */
export function simulatedOnly(simulation) {
  return h('section', { class: 'report-group simulated-only', 'aria-label': 'Simulated only' },
    h('h3', {}, `Simulated only — ${simulation.about}`),
    h('table', { class: 'measures' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col' }, 'Simulated'))),
      h('tbody', {}, simulation.extra.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, value))))),
    h('p', { class: 'hint' }, 'Each simulated figure is the mean over the replications ± the half-width of its 95 % confidence interval; docs/scenarios.md says how it is simulated.'));
}
