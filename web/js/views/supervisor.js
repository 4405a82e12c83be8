// The supervisor (and the agency's administrator): everything of the agency, live — counts
// that matter (open, transfers pending, returned with an alarm, waiting for the clinician,
// handoff follow-ups due, and at a crisis center or mobile crisis provider the follow-ups
// overdue), every open incident, a map, the event feed as it happens, and any incident in
// full, with its follow-ups.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { AreaMap } from '../map.js';
import { IncidentList } from '../incident-list.js';
import { IncidentFeed } from '../incident-feed.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, routesTable, transferState, timeline, noteForm, eventText, decisionRecord, overrideForm, setTeamNames, setPersonNames } from '../incident-detail.js';
import { recordedDecision } from '../triage.js';
import { agencyName } from '../directory.js';
import { listTeams, teamMarker } from '../teams.js';
import * as live from '../live.js';
import * as fmt from '../format.js';
import * as keys from '../shortcuts.js';
import { reportsPanel } from '../reports.js';
import { searchPanel } from '../search.js';
import { watchQueue, followUpCard, addFollowUpForm } from '../follow-ups.js';

export async function mount(main, { user }) {
  const canNote = user.role === 'supervisor';
  // Follow-ups are worked at agencies with care navigators; their supervisors see the queue's
  // overdue count and may work one.
  const followsUp = user.role === 'supervisor' && ['crisis_center', 'mobile_crisis_provider'].includes(user.agency.kind);
  let followUps = null;
  const canAudit = ['supervisor', 'admin'].includes(user.role);
  const canReport = canAudit;
  const tiles = h('div', { class: 'tiles', role: 'status', 'aria-label': 'Agency counts' });
  const feedList = h('ol', { class: 'feed', 'aria-label': 'Events as they happen', 'aria-live': 'polite' },
    h('li', { class: 'empty' }, 'Events appear here as they happen.'));
  const map = new AreaMap({ label: 'Map of the agency\'s open incidents', className: 'small-map' });
  const workspace = h('div', {});
  // Overview (live) and, for those who may read them, the outcome measures.
  const overview = h('div', {}, tiles, workspace);
  const reports = canReport ? reportsPanel() : null;
  // Search and history: for those who may search (not an administrator).
  const canSearch = user.role !== 'admin';
  const search = canSearch ? searchPanel({ onOpen: (id) => { showTab('overview'); select(id); } }) : null;
  const tab = (name, label) => h('button', { type: 'button', role: 'tab', 'data-tab': name, 'aria-selected': String(name === 'overview'), onclick: () => showTab(name) }, label);
  const tabs = canReport || canSearch
    ? h('div', { class: 'tabs', role: 'tablist' }, tab('overview', 'Overview'), canSearch ? tab('search', 'Search') : null, canReport ? tab('reports', 'Reports') : null)
    : null;
  let reportsShown = false;
  function showTab(name) {
    tabs.querySelectorAll('[role=tab]').forEach((t) => t.setAttribute('aria-selected', String(t.dataset.tab === name)));
    overview.hidden = name !== 'overview';
    if (reports) reports.el.hidden = name !== 'reports';
    if (search) search.el.hidden = name !== 'search';
    if (name === 'search') search.focus();
    if (name === 'reports' && !reportsShown) {
      reportsShown = true;
      reports.show();
    }
  }
  if (reports) reports.el.hidden = true;
  if (search) search.el.hidden = true;
  const list = new IncidentList({
    label: 'Open incidents of the agency',
    empty: 'No open incidents.',
    filter: (i) => i.status !== 'closed',
    describe: (i) => [i.holder === user.agency.id ? null : `held by ${agencyName(i.holder)}`, i.awaits_clinician && 'waiting for the clinician', i.alarm?.kind === 'transfer_returned' && 'transfer returned'].filter(Boolean).join(' · '),
    onSelect: (i) => select(i.id),
  });
  main.replaceChildren(h('div', { class: 'layout three' },
    h('nav', { class: 'sidebar', 'aria-label': 'Incidents' }, h('h1', {}, `${user.agency.name}`), h('h2', { class: 'section-title' }, 'Open incidents'), list.el),
    h('section', { class: 'workspace', 'aria-label': 'Overview' }, tabs, overview, search?.el, reports?.el),
    h('aside', { class: 'aside', 'aria-label': 'Map and events' }, map.el, h('h2', { class: 'section-title' }, 'Live events'), feedList)));

  const panel = new IncidentPanel(workspace, [
    { name: 'summary', render: (i) => summaryCard(i) },
    { name: 'transfer', render: (i, events) => transferState(i, events) },
    { name: 'triage', key: (i) => [i.id, i.triage?.at, i.overrides, i.triage_history?.length], render: (i) => (i.triage || i.overrides?.length ? h('section', { class: 'card' }, h('h2', {}, 'Triage'), i.triage ? recordedDecision(i) : null, decisionRecord(i)) : null) },
    {
      name: 'override',
      key: (i) => [i.id, i.status, i.holder, i.triage?.at],
      render: (i) => (user.role === 'supervisor' && i.channel === '911' && i.holder === user.agency.id && i.status !== 'closed'
        ? overrideForm(i, (r) => panel.update(r.incident, r.events))
        : null),
    },
    { name: 'routing', key: (i) => i.routes, render: (i) => h('details', { class: 'card' }, h('summary', {}, 'Routing answer'), routesTable(i.routes)) },
    { name: 'note', key: (i) => [i.id, i.status], render: (i) => (canNote && i.status !== 'closed' ? h('section', { class: 'card' }, noteForm(i, (u) => panel.update(u))) : null) },
    {
      name: 'follow-up',
      key: (i) => [i.id, i.follow_ups, i.follow_up_consent],
      render: (i) => (followsUp
        ? (followUpCard(i, { mayWork: true, onUpdate: (r) => panel.update(r.incident, r.events) })
          ?? (i.follow_ups.some((f) => !f.outcome) ? null : addFollowUpForm(i, (r) => panel.update(r.incident, r.events))))
        : null),
    },
    { name: 'timeline', render: (_i, events) => timeline(events) },
    { name: 'audit', key: (i) => i.id, render: (i) => (canAudit ? auditCard(i) : null) },
  ]);

  // Who read, changed or exported the incident: fetched when opened (reading it is recorded too).
  function auditCard(i) {
    const body = h('div', {}, h('p', { class: 'hint' }, 'Open to load the trail.'));
    const card = h('details', { class: 'card', 'data-section': 'audit' }, h('summary', {}, 'Audit trail'), body);
    card.addEventListener('toggle', async () => {
      if (!card.open) return;
      replace(body, h('p', { class: 'hint' }, 'Loading…'));
      try {
        const records = await get(`/incidents/${i.id}/audit?limit=1000`);
        replace(body, h('table', { class: 'audit' },
          h('thead', {}, h('tr', {}, ['When', 'Who', 'From', 'What', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, records.map((r) => h('tr', {},
            h('td', {}, fmt.clock(r.at)), h('td', {}, r.user_name ?? (r.user ? `user …${r.user.slice(-6)}` : 'not logged in')),
            h('td', {}, r.client), h('td', {}, r.action), h('td', {}, String(r.outcome)))))));
      } catch (e) {
        replace(body, h('p', { class: 'error', role: 'alert' }, `The trail could not be loaded: ${e.message}`));
      }
    });
    return card;
  }

  function drawTiles() {
    const all = [...list.incidents.values()];
    const count = (f) => all.filter(f).length;
    const tile = (n, label) => h('div', { class: 'tile' }, h('strong', {}, String(n)), label);
    replace(tiles,
      tile(all.length, 'open'),
      tile(count((i) => i.transfer), 'transfers pending'),
      tile(count((i) => i.alarm?.kind === 'transfer_returned'), 'returned with an alarm'),
      tile(count((i) => i.awaits_clinician), 'waiting for the clinician'),
      tile(count((i) => i.handoff && !i.handoff.outcome), 'handoff follow-ups due'),
      followUps ? h('div', { class: `tile${followUps.overdue ? ' warning' : ''}`, 'data-tile': 'follow-ups-overdue' }, h('strong', {}, String(followUps.overdue)), `follow-ups overdue (of ${followUps.total})`) : null);
    map.setMarkers('incidents', all.map((i) => {
      const c = fmt.centre(i.location);
      return c && { id: i.id, ...c, cls: ['incident', i.id === panel.id && 'selected'].filter(Boolean).join(' '), title: i.summary };
    }).filter(Boolean));
  }

  async function select(id) {
    list.select(id);
    await panel.show(id);
    drawTiles();
  }

  live.subscribe((m) => {
    if (!m.data || m.resync || m.kind?.startsWith('team_')) return;
    feedList.querySelector('.empty')?.remove();
    feedList.prepend(h('li', {}, h('time', {}, fmt.clock(m.data.at)), ' ', eventText(m.data)));
    while (feedList.childElementCount > 60) feedList.lastElementChild.remove();
  });

  const feed = new IncidentFeed({
    onList: (all) => {
      list.set(all);
      list.select(panel.id);
      drawTiles();
    },
    onIncident: (incident, events) => {
      list.upsert(incident);
      drawTiles();
      if (incident.id === panel.id) panel.update(incident, events);
    },
    onTeam: (_k, team) => team?.position && map.setMarkers(`team-${team.id}`, [teamMarker(team)]),
    onResync: () => panel.id && panel.show(panel.id),
  });

  keys.bind('l', 'Go to the incident list', () => list.focusFirst());
  if (search) keys.bind('/', 'Search incidents, closed ones too', () => showTab('search'));

  const stopFollowUps = followsUp ? watchQueue((q) => { followUps = q; drawTiles(); }, { limit: 1 }) : null;
  await Promise.all([feed.load(), map.load().catch(() => map.message('The map could not load.'))]);
  // The PSAP's clinicians by name in every timeline (only roles that see the queue may ask).
  if (user.role === 'supervisor' && user.agency.kind === 'psap') {
    get('/clinicians').then((people) => { setPersonNames(people); if (panel.incident) panel.render(); }).catch(() => {});
  }
  listTeams().then((teams) => {
    // Teams by name in every incident shown, not by id.
    setTeamNames(teams);
    if (panel.incident) panel.render();
    teams?.filter((t) => t.provider === user.agency.id).forEach((t) => t.position && map.setMarkers(`team-${t.id}`, [teamMarker(t)]));
  }).catch(() => {});
  drawTiles();
  panel.clear('Choose an incident to see it in full.');
  return () => {
    feed.close();
    stopFollowUps?.();
  };
}
