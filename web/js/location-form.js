// A caller's location: coordinates typed in or a click on the map, with the routing answer
// (who serves that spot, per service) looked up as it changes, before anything is committed.

import { post } from './api.js';
import { h, field, replace } from './dom.js';
import { AreaMap } from './map.js';
import { describePlace } from './places.js';
import { routesTable } from './incident-detail.js';

export function locationForm({ initial, initialAddress, callback, withMap = true, label = 'Location' } = {}) {
  const lat = h('input', { type: 'number', step: 'any', min: -90, max: 90, inputmode: 'decimal', name: 'lat', value: initial?.lat ?? '' });
  const lon = h('input', { type: 'number', step: 'any', min: -180, max: 180, inputmode: 'decimal', name: 'lon', value: initial?.lon ?? '' });
  const radius = h('input', { type: 'number', min: 0, max: 100000, step: 1, name: 'radius', value: initial?.radius_m ?? 50 });
  // The address as the caller says it. A place found on the map fills it in until someone
  // types; moving the caller any other way takes a found address back (it named the old spot).
  // A location being updated starts empty: the old address belongs to the old place.
  const address = h('input', { type: 'text', name: 'address', maxlength: 500, autocomplete: 'off', placeholder: initialAddress ? `was: ${initialAddress}` : 'e.g. 1000 W 23rd St, apartment 4B' });
  let addressTyped = false;
  address.addEventListener('input', () => { addressTyped = address.value.trim() !== ''; });
  const forgetFound = () => {
    if (!addressTyped) address.value = '';
  };
  const routing = h('div', { class: 'routing', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Give coordinates or click the map to see who serves the location.'));
  const place = h('p', { class: 'place-line', hidden: true });
  let map = null;
  let timer = null;
  let generation = 0;

  function value() {
    const la = Number(lat.value);
    const lo = Number(lon.value);
    if (lat.value === '' || lon.value === '' || !Number.isFinite(la) || !Number.isFinite(lo)) return { type: 'unknown' };
    const r = Number(radius.value);
    return { type: 'point', lat: la, lon: lo, radius_m: Number.isFinite(r) && r > 0 ? r : undefined };
  }

  function changed() {
    clearTimeout(timer);
    const v = value();
    if (map) map.setMarkers('pin', v.type === 'point' ? [{ id: 'pin', lat: v.lat, lon: v.lon, shape: 'pin', cls: 'pin', radius_m: v.radius_m, title: 'The caller' }] : []);
    timer = setTimeout(lookup, 250);
  }

  async function lookup() {
    const v = value();
    const mine = ++generation;
    if (v.type === 'unknown' && !callback?.value) {
      replace(routing, h('p', { class: 'hint' }, 'No location yet: routing will go by the area code of the callback number, if any.'));
      return;
    }
    try {
      const [answer, described] = await Promise.all([
        post('/routing/lookup', { location: v, callback_number: callback?.value || undefined }),
        v.type === 'point' ? describePlace(v.lat, v.lon) : null,
      ]);
      if (mine !== generation) return;
      place.hidden = !described;
      place.textContent = described ? `The spot: ${described.text}` : '';
      replace(routing, h('h3', {}, 'Who serves this location'), routesTable(answer.routes));
    } catch (e) {
      if (mine === generation) replace(routing, h('p', { class: 'error' }, e.message));
    }
  }

  for (const input of [lat, lon, radius]) input.addEventListener('input', changed);
  for (const input of [lat, lon]) input.addEventListener('input', forgetFound);
  callback?.addEventListener('input', changed);

  const inputs = h('div', { class: 'field-row' }, field('Latitude', lat), field('Longitude', lon), field('Uncertainty (m)', radius));
  const parts = [h('fieldset', { class: 'location' }, h('legend', {}, label), inputs, place, field('Address (as said; optional)', address))];
  if (withMap) {
    map = new AreaMap({
      label: 'Map of the region: click to place the caller',
      className: 'pick-map',
      onPick: ({ lat: la, lon: lo, label: found }) => {
        lat.value = la;
        lon.value = lo;
        if (found && !addressTyped) address.value = found;
        else if (!found) forgetFound();
        changed();
      },
    });
    map.load().then(() => changed()).catch((e) => map.message(`The map could not load: ${e.message}`));
    parts.push(h('p', { class: 'hint' }, 'Or click the map to place the caller; where the map has streets, type a street, a corner ("W 23rd St & 8th Ave") or an address in its box.'), map.el);
  }
  parts.push(routing);
  if (initial) changed();
  return { el: h('div', { class: 'location-form' }, parts), value, address: () => address.value.trim() || undefined, focus: () => lat.focus(), map };
}
