// Words and times as people read them. Times are UTC epoch milliseconds on the wire and are
// shown in the user's agency's time zone.

let zone;

export function setTimeZone(timeZone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    zone = timeZone;
  } catch {
    zone = undefined;
  }
}

export function clock(ms) {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(ms));
}

export function dateTime(ms) {
  if (ms === null || ms === undefined) return '';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));
}

/** "12 s", "3 min", "2 h 5 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const ago = (ms) => `${duration((Date.now() - ms) / 1000)} ago`;

export const OUTCOMES = {
  divert_988: 'Divert to 988',
  embedded_clinician: 'Embedded clinician',
  mobile_crisis: 'Mobile crisis team',
  co_response: 'Co-response (officer with clinician)',
  law_enforcement: 'Law enforcement',
  law_enforcement_and_ems: 'Law enforcement and EMS',
  ems: 'EMS',
  phone_support: 'Phone support',
  emergency_handoff: 'Imminent risk: hand off to 911',
};
/** Outcomes that send police or EMS: never a diversion. */
export const SAFETY_OUTCOMES = new Set(['co_response', 'law_enforcement', 'law_enforcement_and_ems', 'ems', 'emergency_handoff']);

export const DESTINATIONS = {
  988: '988',
  mobile_crisis: 'a mobile crisis team',
  embedded_clinician: 'the embedded clinician',
  psap: 'another PSAP',
  other: 'another agency',
};
export const destination = (d) => DESTINATIONS[d] ?? d;

export const outcome = (o) => OUTCOMES[o] ?? o?.replaceAll('_', ' ') ?? '';

export const STATUSES = {
  open: 'Open',
  transfer_pending: 'Transfer pending',
  team_dispatched: 'Team dispatched',
  closed: 'Closed',
};
export const status = (s) => STATUSES[s] ?? s;

export const DISPOSITIONS = {
  resolved_by_phone: 'Resolved by phone',
  resolved_on_scene: 'Resolved on scene',
  transported: 'Transported',
  referred: 'Referred',
  handled_by_emergency_services: 'Handled by emergency services',
  no_contact: 'No contact',
  duplicate: 'Duplicate',
};

export const SERVICES = {
  'urn:service:sos': '911 (PSAP)',
  'urn:service:counseling.suicide': '988 suicide & crisis',
  'urn:service:counseling.mental-health': '988 mental health',
  'urn:crisisbridge:service:mobile-crisis': 'Mobile crisis team',
};
export const service = (urn) => SERVICES[urn] ?? urn;

export const BASIS = {
  location: 'by location',
  area_code: "by the caller's area code (location unknown)",
  default: 'default (no area serves this location)',
  no_coverage: 'nobody covers this location',
};

export function location(loc) {
  if (!loc || loc.type === 'unknown') return 'Unknown location';
  if (loc.type === 'point') {
    const r = loc.radius_m ? ` ± ${Math.round(loc.radius_m)} m` : '';
    return `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}${r}`;
  }
  return `Area of ${loc.points.length} points`;
}

/** The centre of a location, for a map marker; null when unknown. */
export function centre(loc) {
  if (!loc) return null;
  if (loc.type === 'point') return { lat: loc.lat, lon: loc.lon };
  if (loc.type === 'polygon' && loc.points.length) {
    const n = loc.points.length;
    return { lat: loc.points.reduce((a, p) => a + p[0], 0) / n, lon: loc.points.reduce((a, p) => a + p[1], 0) / n };
  }
  return null;
}

export const shortId = (id) => (id ? id.slice(-6) : '');
