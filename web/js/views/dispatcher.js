// The mobile crisis dispatcher: a live map (county outlines from the loaded boundaries, the
// provider's teams coloured by status with stale positions marked, open incidents), the
// incidents offered to or handled by the provider, and for the chosen incident the ranked
// recommendation with each team's explanation, and assign; and, from a plan file
// (`crisisbridge plan posts --json`), the recommended posts on the map (posts.js). Keys: R
// recommendations, F fit map.

import { act } from '../api.js';
import { h, replace, announce, actionButton } from '../dom.js';
import { AreaMap } from '../map.js';
import { IncidentList } from '../incident-list.js';
import { IncidentFeed } from '../incident-feed.js';
import { IncidentPanel } from '../incident-panel.js';
import { summaryCard, timeline, noteForm, setTeamNames, offerCard as sharedOfferCard } from '../incident-detail.js';
import { agencyName } from '../directory.js';
import { listTeams, recommendations, teamCrew, teamMarker, teamStatus, TEAM_STATUSES, NOT_AVAILABLE } from '../teams.js';
import * as fmt from '../format.js';
import * as keys from '../shortcuts.js';
import { destinationCard } from '../destinations.js';
import { postsCard } from '../posts.js';

export async function mount(main, { user }) {
  const mine = user.agency.id;
  const teams = new Map();
  let tracking = true;
  const map = new AreaMap({ label: 'Live map of teams and open incidents', className: 'dispatch-map' });
  const teamList = h('ul', { class: 'list', 'aria-label': 'Teams' });
  const trackingNote = h('p', { class: 'alarm', hidden: true, role: 'status' });
  const details = h('div', { class: 'incident-detail' });
  const incidents = new IncidentList({
    label: 'Open incidents',
    empty: 'No open incident involves your teams.',
    filter: (i) => i.status !== 'closed',
    describe: (i) => (i.transfer?.to === mine ? 'Offered to you' : i.teams.length ? `Teams: ${i.teams.map(teamLabel).join(', ')}` : `Held by ${agencyName(i.holder)}`),
    onSelect: (i) => select(i.id),
  });
  const legend = h('div', { class: 'legend', 'aria-label': 'Team status colours' },
    Object.entries(TEAM_STATUSES).map(([k, label]) => h('span', {}, h('span', { class: `status-dot s-${k}` }), label)),
    h('span', {}, h('span', { class: 'status-dot stale-dot' }), 'Stale position (dashed, “?”)'),
    h('span', {}, h('span', { class: 'status-dot incident-dot' }), 'Open incident'),
    h('span', {}, h('span', { class: 'status-dot post-dot' }), 'Recommended post (teams)'));
  main.replaceChildren(h('div', { class: 'layout map-first' },
    h('section', { class: 'workspace', 'aria-label': 'Map' }, h('h1', { class: 'visually-hidden' }, 'Dispatch'), trackingNote, map.el, legend),
    h('aside', { class: 'aside', 'aria-label': 'Teams and incidents' },
      h('h2', { class: 'section-title' }, 'Teams'), teamList,
      h('h2', { class: 'section-title' }, 'Incidents'), incidents.el, details, postsCard(map))));

  const panel = new IncidentPanel(details, [
    { name: 'offer', render: (i) => offerCard(i) },
    { name: 'recommend', key: (i) => [i.id, i.teams, i.status], render: (i) => recommendCard(i) },
    { name: 'summary', render: (i) => summaryCard(i) },
    {
      name: 'destination',
      key: (i) => [i.id, i.status, i.teams, i.destination, teams.size],
      // A team of ours on the call: where it takes the person, chosen here or on its phone.
      render: (i) => {
        const ours = i.teams.filter((t) => teams.get(t)?.provider === mine);
        return i.status !== 'closed' && ours.length
          ? destinationCard(i, { team: ours.at(-1), onChosen: (r) => panel.update(r.incident, r.events) })
          : null;
      },
    },
    { name: 'note', key: (i) => [i.id, i.status], render: (i) => (i.status === 'closed' ? null : noteForm(i, (u) => panel.update(u))) },
    { name: 'timeline', render: (_i, events) => timeline(events) },
  ]);

  function teamLabel(id) {
    return teams.get(id)?.name ?? `team …${id.slice(-6)}`;
  }

  function drawTeams() {
    map.setMarkers('teams', [...teams.values()].map(teamMarker).filter(Boolean));
    replace(teamList, teams.size ? [...teams.values()].sort((a, b) => a.name.localeCompare(b.name)).map((t) => h('li', { class: 'team-row', 'data-team': t.id },
      h('span', { class: `status-dot s-${t.status}` }), h('strong', {}, t.name), ' · ', teamStatus(t.status),
      t.stale ? h('span', { class: 'badge bad' }, ' stale') : null,
      h('div', { class: 'item-meta' }, t.position ? `Position ${fmt.ago(t.position.at)}${t.position.accuracy_m ? ` ± ${Math.round(t.position.accuracy_m)} m` : ''}` : 'No position yet',
        t.incident ? ` · on incident …${fmt.shortId(t.incident)}` : ''),
      teamCrew(t))) : h('li', { class: 'empty' }, tracking ? 'No teams.' : 'Team tracking is not available.'));
    setTeamNames([...teams.values()]);
    // The incident rows name their teams.
    incidents.render();
  }

  function drawIncidents() {
    map.setMarkers('incidents', [...incidents.incidents.values()].map((i) => {
      const c = fmt.centre(i.location);
      return c && { id: i.id, ...c, cls: ['incident', i.id === panel.id && 'selected'].filter(Boolean).join(' '), title: `${i.summary} (${fmt.status(i.status)})` };
    }).filter(Boolean));
  }

  function offerCard(i) {
    return sharedOfferCard(i, mine, {
      declineReason: 'no team free',
      onAccepted: (r) => {
        panel.update(r.incident, r.events);
        incidents.upsert(r.incident);
      },
      onDeclined: (r) => {
        incidents.upsert(r.incident);
        panel.clear('Declined: the next provider on the route is offered the call.');
      },
    });
  }

  function recommendCard(i) {
    const card = h('section', { class: 'card recommendations', 'aria-label': 'Recommended teams' }, h('h2', {}, 'Recommended teams'));
    if (i.status === 'closed') return null;
    if (!tracking) {
      card.append(h('p', { class: 'hint' }, NOT_AVAILABLE));
      return card;
    }
    const body = h('div', {}, h('p', { class: 'hint' }, 'Ranking teams…'));
    card.append(body);
    recommendations(i.id).then((recs) => {
      if (!recs.length) return replace(body, h('p', { class: 'empty' }, 'No team to recommend.'));
      replace(body, h('ol', { class: 'list' }, recs.map((r, n) => h('li', { class: ['rec', !r.eligible && 'ineligible'], 'data-team': r.team },
        h('div', { class: 'rec-head' },
          h('strong', {}, `${n + 1}. ${r.name}`),
          h('span', {}, r.eta_seconds === null || r.eta_seconds === undefined ? 'ETA unknown' : `ETA ${fmt.duration(Math.ceil(r.eta_seconds / 60) * 60)}`, ' ',
            r.eta_source ? h('span', { class: ['badge', r.eta_source === 'road' ? 'good' : 'warn'] }, r.eta_source === 'road' ? 'by road' : 'straight-line estimate') : null)),
        h('p', {}, r.explanation),
        h('p', { class: 'hint' }, recommendationFigures(r)),
        i.teams.includes(r.team) ? h('span', { class: 'badge good' }, 'Assigned')
          : actionButton(`Assign ${r.name}`, async () => {
            const res = await act(i.id, { action: 'dispatch_team', team: r.team });
            panel.update(res.incident, res.events);
            incidents.upsert(res.incident);
            announce(`${r.name} assigned.`);
            // Once a team is on the call, another is a deliberate choice, not the default.
          }, { class: r.eligible && n === 0 && !i.teams.length ? 'primary' : '', disabled: !r.eligible, 'data-action': 'assign' }).both))));
    }).catch((e) => replace(body, h('p', { class: 'error' }, e.message)));
    return card;
  }

  /** Score and coverage, each only when the server gave it. */
  const NOT_ELIGIBLE = { off_shift: 'off shift', out_of_service: 'out of service', on_a_call: 'on another call' };
  function recommendationFigures(r) {
    const num = (x, digits = 2) => (typeof x === 'number' ? x.toFixed(digits) : null);
    return [
      num(r.score) && `ranked by ${fmt.duration(r.score)}: the ETA plus penalties for a stale position, missing skills, recent calls and coverage lost`,
      num(r.coverage_loss) && `coverage loss ${num(r.coverage_loss)}`,
      typeof r.coverage_before === 'number' && typeof r.coverage_after === 'number' && `coverage ${Math.round(r.coverage_before * 100)} % → ${Math.round(r.coverage_after * 100)} %`,
      r.recent_calls ? `${r.recent_calls} recent call(s)` : null,
      r.missing?.length ? `missing ${r.missing.join(', ')}` : null,
      !r.eligible && (r.not_eligible ? `not eligible: ${NOT_ELIGIBLE[r.not_eligible] ?? r.not_eligible.replaceAll('_', ' ')}` : 'not eligible'),
    ].filter(Boolean).join(' · ');
  }

  async function select(id) {
    incidents.select(id);
    await panel.show(id);
    drawIncidents();
  }

  async function loadTeams() {
    const list = await listTeams();
    tracking = list !== null;
    trackingNote.hidden = tracking;
    trackingNote.textContent = tracking ? '' : NOT_AVAILABLE;
    teams.clear();
    for (const t of list ?? []) teams.set(t.id, t);
    drawTeams();
    if (panel.incident) panel.render();
  }

  const feed = new IncidentFeed({
    onList: (all) => {
      incidents.set(all);
      incidents.select(panel.id);
      drawIncidents();
    },
    onIncident: (incident, events) => {
      incidents.upsert(incident);
      drawIncidents();
      if (incident.id === panel.id) panel.update(incident, events);
      if (incident.transfer?.to === mine) announce(`Incident offered to you: ${incident.summary}`);
    },
    onTeam: (_kind, team) => {
      if (!team?.id) return;
      teams.set(team.id, team);
      drawTeams();
    },
    onResync: () => {
      loadTeams().catch(() => {});
      if (panel.id) panel.show(panel.id);
    },
  });

  const fitMap = () => map.fit([...[...teams.values()].map((t) => t.position), ...[...incidents.incidents.values()].map((i) => fmt.centre(i.location))].filter(Boolean), { min: 150 });
  keys.bind('a', 'Accept the offer on screen', () => details.querySelector('[data-action="accept"]')?.click());
  keys.bind('d', 'Decline the offer on screen', () => details.querySelector('[data-action="decline"]')?.click());
  keys.bind('f', 'Fit the map to teams and incidents', fitMap);
  keys.bind('r', 'Go to the recommendations', () => details.querySelector('.recommendations button, .recommendations')?.focus());
  keys.bind('l', 'Go to the incident list', () => incidents.focusFirst());

  await Promise.all([map.load(), loadTeams(), feed.load()]);
  fitMap();
  panel.clear('Choose an incident to see which team to send.');
  return () => feed.close();
}
