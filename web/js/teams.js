// Mobile crisis teams: state, GPS and recommendations. A server without team tracking (a 404
// from GET /teams) is told apart, and the views say so instead of drawing a broken layer.

import { get, post } from './api.js';
import { h } from './dom.js';

export const TEAM_STATUSES = {
  available: 'Available',
  dispatched: 'Dispatched',
  en_route: 'En route',
  on_scene: 'On scene',
  transporting: 'Transporting',
  at_facility: 'At facility',
  out_of_service: 'Out of service',
};
export const teamStatus = (s) => TEAM_STATUSES[s] ?? s;

export const NOT_AVAILABLE = 'Team tracking is not available on this server (GET /api/v1/teams answered 404): team positions, statuses and recommendations will appear once it is.';

/** The teams, or null when this server has no team tracking. */
export async function listTeams() {
  try {
    return await get('/teams');
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/** Sets a team's status (`POST /teams/{id}/actions`, `set_status`). Answers the team. */
export async function setStatus(teamId, status) {
  return post(`/teams/${teamId}/actions`, { action: 'set_status', status });
}

/** Starts or ends a team's shift (a team off shift is out of service). Answers the team. */
export async function setShift(teamId, on) {
  return post(`/teams/${teamId}/actions`, { action: on ? 'start_shift' : 'end_shift' });
}

/** Sends GPS fixes; answers the team after them when the server says (`{verdicts, team}`). */
export async function sendFixes(teamId, fixes) {
  const answer = await post(`/teams/${teamId}/positions`, { fixes });
  return answer?.team ?? null;
}

/** Ranked teams for an incident, each with its explanation. */
export async function recommendations(incidentId) {
  return get(`/incidents/${incidentId}/recommendations`);
}

/** Who is on a team and what it can do, one line ("Dana Whitfield, LCSW; Marcus Bell · youth, peer"), or null. */
export function teamCrew(team) {
  const parts = [(team.members ?? []).join('; '), (team.capabilities ?? []).join(', ')].filter(Boolean);
  return parts.length ? h('div', { class: 'item-meta team-crew' }, parts.join(' · ')) : null;
}

/** A short label for a team's marker: "Team Lawrence 1" → "L1". */
export function initials(name) {
  const words = (name ?? '').replace(/^team\s+/i, '').split(/\s+/).filter(Boolean);
  return words.map((w) => (/^\d+$/.test(w) ? w : w[0].toUpperCase())).join('').slice(0, 3);
}

/** The map marker of a team. */
export function teamMarker(team) {
  const p = team.position;
  if (!p) return null;
  const stale = team.stale ? ' — position is stale' : '';
  return {
    id: team.id,
    lat: p.lat,
    lon: p.lon,
    shape: 'team',
    cls: ['team', `s-${team.status}`, team.stale && 'stale'].filter(Boolean).join(' '),
    label: initials(team.name) + (team.stale ? '?' : ''),
    title: `${team.name}: ${teamStatus(team.status)}${stale}`,
  };
}
