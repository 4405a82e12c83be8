// A location in words — "at W 23rd St & Iowa St", "on W 23rd St near Iowa St", or the nearest
// address — from the server's streets and address points (GET /places/describe), asked once
// per spot per page. Where the server has neither, nothing is shown and the coordinates stand.

import { get } from './api.js';
import { h } from './dom.js';
import * as fmt from './format.js';

const known = new Map();

/** The description of a point, or null. */
export function describePlace(lat, lon) {
  const key = `${lat.toFixed(5)},${lon.toFixed(5)}`;
  if (!known.has(key)) {
    known.set(key, get(`/places/describe?lat=${lat}&lon=${lon}`).then((r) => r.description).catch(() => {
      known.delete(key);
      return null;
    }));
  }
  return known.get(key);
}

/** A span that fills in with the location's description once known (empty when none). */
export function placeText(loc, { prefix = '' } = {}) {
  const el = h('span', { class: 'place', hidden: true });
  const c = fmt.centre(loc);
  if (c && loc.type === 'point') {
    describePlace(c.lat, c.lon).then((d) => {
      if (!d) return;
      el.textContent = `${prefix}${d.text}`;
      el.title = `${Math.round(d.distance_m)} m from the point given`;
      el.hidden = false;
    });
  }
  return el;
}

/** The location as words (when known) and coordinates. */
export function locationLine(loc) {
  return h('span', { class: 'location-line' }, placeText(loc, {}), h('span', { class: 'coords' }, ` ${fmt.location(loc)}`));
}
