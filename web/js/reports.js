// The Reports view of supervisors and administrators: the outcome measures of the agency's
// incidents (docs/measures.md) for a period, grouped — the charts the server draws (volume,
// answer times, response times, the diversion funnel), the numbers behind every chart, and the
// same report as CSV or as one self-contained HTML page. The figures are the server's (GET /reports/measures), computed
// by the same code as `crisisbridge report measures`. A simulated scenario can be shown beside
// them, measure by measure (simulated.js).

import { get } from './api.js';
import { h, replace } from './dom.js';
import * as live from './live.js';
import { readSimulation, addColumn, simulatedOnly } from './simulated.js';

/** How soon after a live event a report that includes today is computed again. */
const LIVE_REFRESH_MS = 3000;

const CHARTS = [
  ['volume', 'Volume per day'],
  ['answer-times', 'Speed to answer against NENA\'s 15 s and 20 s'],
  ['response-times', 'Dispatch to on scene against SAMHSA\'s 1 h and 2 h'],
  ['funnel', 'Diversion of 911 calls'],
];

const GROUPINGS = [
  ['all', 'Everything'],
  ['channel', 'Channel'],
  ['hour', 'Hour of day (the agency\'s time)'],
  ['weekday', 'Day of week (the agency\'s time)'],
  ['team', 'Mobile crisis team'],
  ['area', 'Area'],
  ['agency', 'Opening agency'],
];

/** `YYYY-MM-DD` of a UTC time. */
function day(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A measure's value in words, as the command line's table says it. */
export function valueText(m) {
  switch (m.kind) {
    case 'count': return String(m.count);
    case 'share': return m.of > 0 ? `${m.part} of ${m.of} (${((m.part * 100) / m.of).toFixed(1)}%)` : `${m.part} of ${m.of}`;
    case 'time': return m.count > 0
      ? `p50 ${duration(m.p50_ms)}, p90 ${duration(m.p90_ms)}, p95 ${duration(m.p95_ms)} (n = ${m.count})`
      : 'none measured (n = 0)';
    default: return 'not measured';
  }
}

/** Rates per 100,000 residents by area, and the spread between areas. */
function perCapita(p) {
  const measures = p.areas[0]?.[2].map(([id]) => id) ?? [];
  return h('section', { class: 'report-group per-capita', 'aria-label': 'Per 100,000 residents' },
    h('h3', {}, 'Per 100,000 residents'),
    h('table', { class: 'measures' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Area'), h('th', { scope: 'col' }, 'Population'),
        measures.map((id) => h('th', { scope: 'col' }, id)))),
      h('tbody', {}, p.areas.map(([area, population, rates]) => h('tr', { 'data-area': area },
        h('th', { scope: 'row' }, area), h('td', {}, population.toLocaleString('en-US')),
        rates.map(([, rate]) => h('td', {}, rate.toFixed(1))))))),
    p.spread.map((s) => h('p', { class: 'hint' },
      `${s.measure}: highest ${s.highest[0]} (${s.highest[1].toFixed(1)}), lowest ${s.lowest[0]} (${s.lowest[1].toFixed(1)})${s.ratio ? `, ${s.ratio.toFixed(1)}×` : ''}.`)),
    p.without_population.length ? h('p', { class: 'hint' }, `No population for: ${p.without_population.join(', ')}.`) : null);
}

/** The Reports panel: a period and a grouping, then every measure of every group. */
export function reportsPanel() {
  const now = Date.now();
  const from = h('input', { type: 'date', name: 'from', required: true, value: day(now - 30 * 86400000) });
  const to = h('input', { type: 'date', name: 'to', required: true, value: day(now + 86400000) });
  const by = h('select', { name: 'by' }, GROUPINGS.map(([v, label]) => h('option', { value: v }, label)));
  const csv = h('a', { class: 'button', download: 'measures.csv', href: '#' }, 'Download CSV');
  const page = h('a', { class: 'button', download: 'measures.html', href: '#' }, 'Download HTML report');
  const charts = h('div', { class: 'report-charts' });
  const body = h('div', { class: 'report-body', 'aria-live': 'polite' });
  const query = () => `from=${from.value}&to=${to.value}&by=${by.value}`;
  const updated = h('p', { class: 'hint report-updated', role: 'status' });
  let shown = false;
  let pending = null;
  // A simulation chosen to compare with, and the last report drawn.
  let simulation = null;
  let last = null;
  const simStatus = h('span', { class: 'hint', role: 'status' });
  const simInput = h('input', { type: 'file', accept: '.json,application/json', 'aria-label': 'Compare with a simulation (JSON)' });
  simInput.addEventListener('change', async () => {
    const file = simInput.files?.[0];
    if (!file) return;
    try {
      simulation = readSimulation(await file.text());
      simStatus.className = 'hint';
      simStatus.setAttribute('role', 'status');
      simStatus.textContent = `Beside: ${simulation.about}. The simulated column is beside Everything.`;
      if (last) draw(last);
    } catch (e) {
      simStatus.className = 'error';
      simStatus.setAttribute('role', 'alert');
      simStatus.textContent = `${file.name}: ${e.message}`;
    }
    simInput.value = '';
  });
  // Each Show (or live refresh) is numbered: an answer to an older one is dropped.
  let generation = 0;
  async function drawCharts(mine) {
    // Grouped by area, with populations on the server: the map of rates per 100,000 too.
    const names = by.value === 'area' ? [...CHARTS, ['rate-map', 'Contacts per 100,000 residents by area']] : CHARTS;
    const drawn = await Promise.all(names.map(async ([name, title]) => {
      const svg = await fetch(`/api/v1/reports/charts/${name}?${query()}`, { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : null)).catch(() => null);
      if (svg === null && name === 'rate-map') return null; // no population file on the server
      return h('figure', { class: 'report-chart', 'data-chart': name },
        svg === null ? h('p', { class: 'error' }, `${title}: the chart could not be drawn.`)
          : h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: `${title}: the numbers are in the table below`, width: 720, height: 360 }));
    }));
    if (mine === generation) replace(charts, drawn.filter(Boolean));
  }
  async function show({ quiet = false } = {}) {
    shown = true;
    const mine = ++generation;
    csv.href = `/api/v1/reports/measures?${query()}&format=csv`;
    page.href = `/api/v1/reports/measures?${query()}&format=html`;
    drawCharts(mine);
    if (!quiet) replace(body, h('p', { class: 'hint' }, 'Computing…'));
    try {
      const report = await get(`/reports/measures?${query()}`);
      if (mine !== generation) return;
      last = report;
      draw(report);
    } catch (e) {
      replace(body, h('p', { class: 'error', role: 'alert' }, `The report could not be computed: ${e.message}`));
    }
  }
  /** The report drawn, with the simulation chosen beside it. */
  function draw(report) {
    const reasons = new Set();
    replace(body,
      h('p', { class: 'report-total' }, `${report.incidents} incidents opened and ${report.calls} calls arrived from ${from.value} to before ${to.value}`),
      report.groups.map((g) => h('section', { class: 'report-group', 'data-group': g.key },
        h('h3', {}, g.key === 'all' ? 'All incidents' : g.key),
        h('table', { class: 'measures' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col' }, 'Value'))),
          h('tbody', {}, g.measures.map((m) => {
            if (m.kind === 'not_measured') reasons.add(m.reason);
            return h('tr', { 'data-measure': m.id },
              h('th', { scope: 'row' }, m.label), h('td', {}, valueText(m)));
          }))))),
      [...reasons].map((r) => h('p', { class: 'hint' }, `Not measured: ${r}.`)),
      report.per_100k ? perCapita(report.per_100k) : null,
      simulation ? simulatedOnly(simulation) : null,
      updated,
      h('p', { class: 'hint' }, 'Definitions: docs/measures.md.'));
    if (simulation) {
      // Beside the whole period only: a scenario is not split by channel, hour or area.
      const all = body.querySelector('.report-group[data-group="all"] table.measures');
      if (all) addColumn(all, simulation);
    }
    updated.textContent = includesToday()
      ? `Updated ${new Date().toLocaleTimeString()}; today's events update it as they happen.`
      : `Computed ${new Date().toLocaleTimeString()}.`;
  }
  // A period that includes today follows the live stream: shortly after an event, the server
  // computes it again from its live tally (it does not read the log again).
  const includesToday = () => { const today = day(Date.now()); return from.value <= today && today < to.value; };
  live.subscribe((m) => {
    if (!m.data || m.resync || m.kind?.startsWith('team_')) return;
    if (!shown || el.hidden || pending || !includesToday()) return;
    pending = setTimeout(() => { pending = null; show({ quiet: true }); }, LIVE_REFRESH_MS);
  });
  const form = h('form', { class: 'report-form', onsubmit: (e) => { e.preventDefault(); show(); } },
    h('label', {}, 'From ', from), h('label', {}, 'To (not included) ', to), h('label', {}, 'Group by ', by),
    h('button', { type: 'submit', class: 'primary' }, 'Show'), csv, page,
    h('label', {}, 'Compare with a simulation ', simInput), simStatus);
  const el = h('section', { class: 'card reports', 'aria-label': 'Outcome measures' },
    h('h2', {}, 'Outcome measures'), form, charts, body);
  return { el, show };
}
