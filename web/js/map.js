// The map: county outlines drawn from the deployment's own boundaries (GET /areas) on an SVG,
// streets from the deployment's own road data where it has some (streets.js), markers on top.
// Drag to pan, the wheel or the buttons to zoom; where streets or address points are loaded, a
// box finds a street, an intersection or an address. No outside host: a caller's location never
// leaves the server.
//
// Projection: equirectangular, x scaled by cos(latitude) at the centre of the region, which
// is close enough to true shape at county scale and trivially invertible for map clicks.

import { get } from './api.js';
import { s, h } from './dom.js';
import { StreetLayer, streetsInfo } from './streets.js';

const K = 100; // projected units per degree
let areasPromise = null;

/** The areas, fetched once per page. */
export function loadAreas() {
  areasPromise ??= get('/areas').catch((e) => {
    areasPromise = null;
    throw e;
  });
  return areasPromise;
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

export class AreaMap {
  /** `label`: what the map shows, for screen readers; `onPick({lat, lon, label?})`: a click on
   *  it, or a place found with the find box. */
  constructor({ label, onPick, className = '' } = {}) {
    this.onPick = onPick;
    this.layers = new Map();
    this.items = new Map();
    this.svg = s('svg', { role: 'img', 'aria-label': label ?? 'Map', preserveAspectRatio: 'xMidYMid meet' });
    this.base = s('g', { class: 'areas' });
    this.labels = s('g', { class: 'area-labels', 'aria-hidden': 'true' });
    this.svg.append(this.base, this.labels);
    this.note = h('p', { class: 'map-note', hidden: true });
    const zoom = (f) => () => this.zoom(f);
    this.tools = h('div', { class: 'map-tools' },
      h('button', { type: 'button', 'aria-label': 'Zoom in', onclick: zoom(0.6) }, '+'),
      h('button', { type: 'button', 'aria-label': 'Zoom out', onclick: zoom(1 / 0.6) }, '−'),
      h('button', { type: 'button', 'aria-label': 'Show the whole region', onclick: () => this.fitAll() }, 'Region'));
    this.el = h('div', { class: ['map', onPick && 'clickable', className] }, this.svg, this.tools, this.note);
    this.svg.addEventListener('click', (e) => {
      if (this.dragged) {
        this.dragged = false;
        return;
      }
      if (onPick) this.pick(e);
    });
    this.panAndZoom();
    new ResizeObserver(() => this.resizeMarkers()).observe(this.svg);
  }

  /** Drag to pan; the wheel zooms about the pointer. */
  panAndZoom() {
    let start = null;
    this.svg.addEventListener('pointerdown', (e) => {
      this.dragged = false;
      if (!this.view || e.button !== 0) return;
      start = { x: e.clientX, y: e.clientY, view: { ...this.view }, upp: this.unitsPerPixel(), moved: false };
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (!start) return;
      if (!(e.buttons & 1)) {
        // The button came up outside the map: the drag is over.
        start = null;
        return;
      }
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      if (!start.moved && Math.hypot(dx, dy) < 5) return;
      if (!start.moved) this.svg.setPointerCapture?.(e.pointerId);
      start.moved = true;
      this.setView({ ...start.view, x: start.view.x - dx * start.upp, y: start.view.y - dy * start.upp });
    });
    this.svg.addEventListener('pointerup', () => {
      if (start?.moved) this.dragged = true;
      start = null;
    });
    this.svg.addEventListener('pointercancel', () => { start = null; });
    this.svg.addEventListener('wheel', (e) => {
      if (!this.view) return;
      e.preventDefault();
      const ctm = this.svg.getScreenCTM();
      if (!ctm) return;
      const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
      const f = e.deltaY > 0 ? 1.25 : 0.8;
      const v = this.view;
      this.setView({ x: p.x - (p.x - v.x) * f, y: p.y - (p.y - v.y) * f, w: v.w * f, h: v.h * f });
    }, { passive: false });
  }

  /** The find box: a street, an intersection ("W 23rd St & Iowa St") or an address. */
  findBox() {
    const input = h('input', { type: 'search', class: 'map-find', placeholder: 'Find a street, corner or address', 'aria-label': 'Find a street, an intersection or an address on the map', autocomplete: 'off' });
    const list = h('ul', { class: 'map-found', role: 'listbox', hidden: true });
    let timer = null;
    let generation = 0;
    // The text the list's answers are for: Enter takes the first only for the text as typed.
    let answered = null;
    const choose = (f) => {
      list.hidden = true;
      input.value = f.label;
      this.setMarkers('found', [{ id: 'found', lat: f.lat, lon: f.lon, shape: 'dot', cls: 'found', title: f.label }]);
      // A corner or an address is a place to put the caller; a street is only where to look
      // (its point is somewhere along it): the map shows it, and a click places the caller.
      if (f.kind === 'street') {
        this.fit([f], { min: 4 });
        this.message(`${f.label}: click the map where the caller is.`);
      } else {
        this.fit([f], { min: 1.2 });
        this.message(null);
        this.onPick?.({ lat: f.lat, lon: f.lon, label: f.label });
      }
    };
    const search = async () => {
      const q = input.value.trim();
      const mine = ++generation;
      if (q.length < 3) {
        list.hidden = true;
        list.replaceChildren();
        return;
      }
      try {
        const { found } = await get(`/places?q=${encodeURIComponent(q)}&limit=8`);
        if (mine !== generation) return;
        answered = q;
        list.replaceChildren(...(found.length ? found.map((f) => h('li', { role: 'option', 'data-kind': f.kind, tabindex: -1, onclick: () => choose(f) }, f.label, h('span', { class: 'hint' }, ` ${f.kind}`)))
          : [h('li', { class: 'empty' }, 'Nothing found by that name.')]));
        list.hidden = false;
      } catch (e) {
        if (mine === generation) list.replaceChildren(h('li', { class: 'error' }, e.message));
      }
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      answered = null;
      timer = setTimeout(search, 200);
    });
    input.addEventListener('keydown', async (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (answered !== input.value.trim()) {
          clearTimeout(timer);
          await search();
        }
        if (!list.hidden && answered === input.value.trim()) list.querySelector('li[role=option]')?.click();
      } else if (e.key === 'Escape') list.hidden = true;
    });
    return h('div', { class: 'map-find-box' }, input, list);
  }

  /** Loads the boundaries and streets once; later calls wait for the same load. */
  load() {
    this.loading ??= this.loadNow();
    return this.loading;
  }

  async loadNow() {
    const [areas, info] = await Promise.all([loadAreas(), streetsInfo()]);
    if (info.streets) {
      this.streets = new StreetLayer(this, info);
      this.base.after(this.streets.lines);
      this.labels.before(this.streets.names);
      this.el.dataset.streets = 'yes';
      if (info.attribution) this.el.append(h('p', { class: 'map-attribution' }, info.attribution));
    }
    if (info.streets || info.addresses) this.el.prepend(this.findBox());
    const features = areas.features ?? [];
    let minLat = 90, maxLat = -90, minLon = 180, maxLon = -180;
    for (const f of features) for (const ring of rings(f.geometry)) for (const [lon, lat] of ring) {
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
    }
    if (!features.length && info.bounds) {
      [minLat, minLon, maxLat, maxLon] = info.bounds;
    } else if (!features.length) {
      // No boundaries loaded: centre on the contiguous United States, so markers still show.
      [minLat, maxLat, minLon, maxLon] = [24, 50, -125, -66];
      this.message('No boundaries are loaded on this server; showing markers only.');
    }
    this.lat0 = (minLat + maxLat) / 2;
    this.lon0 = (minLon + maxLon) / 2;
    this.kx = Math.cos((this.lat0 * Math.PI) / 180) * K;
    const [x0, y0] = this.project(maxLat, minLon);
    const [x1, y1] = this.project(minLat, maxLon);
    this.region = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    const tolerance = this.region.w / 1500;
    const paths = [];
    const labels = [];
    for (const f of features) {
      let d = '';
      for (const ring of rings(f.geometry)) {
        let last = null;
        ring.forEach(([lon, lat], i) => {
          const [x, y] = this.project(lat, lon);
          if (last && i < ring.length - 1 && Math.abs(x - last[0]) + Math.abs(y - last[1]) < tolerance) return;
          d += `${i === 0 ? 'M' : 'L'}${x.toFixed(2)} ${y.toFixed(2)}`;
          last = [x, y];
        });
        d += 'Z';
      }
      paths.push(s('path', { class: 'county', d, 'data-area': f.id }, s('title', {}, f.properties?.name ?? f.id)));
      labels.push(this.label(f));
    }
    this.base.replaceChildren(...paths);
    this.labels.replaceChildren(...labels.filter(Boolean));
    this.fitAll();
    for (const [name, items] of this.pending ?? []) this.setMarkers(name, items);
    this.pending = null;
    return this;
  }

  /** A county's name at the middle of its largest ring's bounding box (good enough for the
   *  mostly convex shapes of counties), shown only when zoomed in. */
  label(feature) {
    const ring = rings(feature.geometry).sort((a, b) => b.length - a.length)[0];
    const name = (feature.properties?.name ?? '').replace(/ County$/, '');
    if (!ring || !name) return null;
    const lats = ring.map((p) => p[1]);
    const lons = ring.map((p) => p[0]);
    const [x, y] = this.project((Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2);
    return s('text', { class: 'county-label', x: x.toFixed(2), y: y.toFixed(2), 'text-anchor': 'middle' }, name);
  }

  message(text) {
    this.note.hidden = !text;
    this.note.textContent = text ?? '';
  }

  project(lat, lon) {
    return [(lon - this.lon0) * this.kx, -(lat - this.lat0) * K];
  }

  unproject(x, y) {
    return { lat: this.lat0 - y / K, lon: this.lon0 + x / this.kx };
  }

  setView(v) {
    this.view = v;
    this.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    this.labels.setAttribute('visibility', this.region && v.w < this.region.w * 0.55 && !(this.streets && v.w < 8) ? 'visible' : 'hidden');
    this.resizeMarkers();
    if (this.streets && !this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = null;
        this.streets.update();
      });
    }
  }

  fitAll() {
    const r = this.region;
    const pad = r.w * 0.02;
    this.setView({ x: r.x - pad, y: r.y - pad, w: r.w + 2 * pad, h: r.h + 2 * pad });
  }

  /** Shows every given point ({lat, lon}), with a margin. */
  fit(points, { min = 60 } = {}) {
    const xy = points.filter(Boolean).map((p) => this.project(p.lat, p.lon));
    if (!xy.length) return this.fitAll();
    const xs = xy.map((p) => p[0]);
    const ys = xy.map((p) => p[1]);
    // `min`: the narrowest view, in projected units (100 to a degree of longitude at the
    // equator): 60 shows a county and its neighbours' edges.
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    // Never wider than half the region (a borough is narrower than a county's neighbours).
    const narrowest = this.region ? Math.min(min, this.region.w * 0.5) : min;
    const w = Math.max(narrowest, (Math.max(...xs) - Math.min(...xs)) * 1.3);
    const hh = Math.max(narrowest * 0.6, (Math.max(...ys) - Math.min(...ys)) * 1.3);
    this.setView({ x: cx - w / 2, y: cy - hh / 2, w, h: hh });
  }

  zoom(factor) {
    const v = this.view;
    const w = v.w * factor;
    const hh = v.h * factor;
    this.setView({ x: v.x + (v.w - w) / 2, y: v.y + (v.h - hh) / 2, w, h: hh });
  }

  unitsPerPixel() {
    const width = this.svg.clientWidth || 600;
    const height = this.svg.clientHeight || 400;
    return Math.max(this.view.w / width, this.view.h / height);
  }

  pick(event) {
    if (!this.view) return;
    const point = this.svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const ctm = this.svg.getScreenCTM();
    if (!ctm) return;
    const p = point.matrixTransform(ctm.inverse());
    const { lat, lon } = this.unproject(p.x, p.y);
    this.onPick?.({ lat: Math.round(lat * 1e5) / 1e5, lon: Math.round(lon * 1e5) / 1e5 });
  }

  layer(name) {
    let g = this.layers.get(name);
    if (!g) {
      g = s('g', { class: `layer-${name}` });
      this.layers.set(name, g);
      this.svg.append(g);
    }
    return g;
  }

  /** Draws a layer's markers, keyed by id, so a marker that moves is the same element.
   *  An item: {id, lat, lon, shape: 'dot'|'team'|'pin', cls, title, label, radius_m}. */
  setMarkers(name, items) {
    if (!this.view) {
      // Not projected yet: drawn once the boundaries are loaded.
      (this.pending ??= new Map()).set(name, items);
      return;
    }
    const g = this.layer(name);
    const seen = new Set();
    for (const item of items) {
      if (item.lat === undefined || item.lon === undefined) continue;
      const key = `${name}:${item.id}`;
      seen.add(key);
      let el = this.items.get(key);
      if (!el) {
        el = this.marker(item);
        this.items.set(key, el);
        g.append(el);
      }
      this.update(el, item);
    }
    for (const [key, el] of this.items) {
      if (key.startsWith(`${name}:`) && !seen.has(key)) {
        el.remove();
        this.items.delete(key);
      }
    }
    this.resizeMarkers();
  }

  marker(item) {
    const g = s('g', { class: 'marker', 'data-id': item.id });
    if (item.shape === 'pin') g.append(s('circle', { class: 'uncertainty' }));
    g.append(s('circle', { class: 'body' }));
    if (item.shape === 'team') g.append(s('text', { 'text-anchor': 'middle' }));
    g.append(s('title'));
    return g;
  }

  update(el, item) {
    const [x, y] = this.project(item.lat, item.lon);
    el.setAttribute('transform', `translate(${x.toFixed(3)} ${y.toFixed(3)})`);
    el.setAttribute('class', ['marker', item.shape ?? 'dot', item.cls].filter(Boolean).join(' '));
    el.dataset.lat = item.lat;
    el.dataset.lon = item.lon;
    el.dataset.shape = item.shape ?? 'dot';
    el.dataset.radiusM = item.radius_m ?? 0;
    el.querySelector('title').textContent = item.title ?? '';
    const text = el.querySelector('text');
    if (text) text.textContent = item.label ?? '';
  }

  resizeMarkers() {
    if (!this.view) return;
    const u = this.unitsPerPixel();
    this.labels.setAttribute('font-size', (11 * u).toFixed(3));
    for (const el of this.items.values()) {
      const shape = el.dataset.shape;
      const body = el.querySelector('circle.body');
      const px = shape === 'team' ? 9 : shape === 'pin' ? 6 : 6;
      body.setAttribute('r', (px * u).toFixed(4));
      const ring = el.querySelector('circle.uncertainty');
      if (ring) ring.setAttribute('r', Math.max((Number(el.dataset.radiusM) / 111320) * K, 0).toFixed(4));
      const text = el.querySelector('text');
      if (text) {
        text.setAttribute('y', (-13 * u).toFixed(4));
        text.setAttribute('font-size', (12 * u).toFixed(4));
      }
    }
  }
}
