// Streets on the maps: vector tiles cut by Crisisbridge itself from the deployment's road data
// (GET /streets/{z}/{x}/{y}), drawn as SVG paths under the markers; street names along the
// longest stretch of each street in a tile, from zoom 14. Nothing is fetched from elsewhere.
//
// Tiles are `360 / 2^z` degrees square; the zoom is chosen so a tile is about 512 pixels wide,
// and only the tiles in view are drawn (cut once per page, then kept).

import { get } from './api.js';
import { s } from './dom.js';

const TILE_PX = 512;
const MAX_TILES_IN_VIEW = 48;
const KEPT_TILES = 400;
let infoPromise = null;

/** What street data the server has, fetched once per page. */
export function streetsInfo() {
  infoPromise ??= get('/streets').catch(() => {
    infoPromise = null;
    return { streets: false };
  });
  return infoPromise;
}

export class StreetLayer {
  /** `map`: the AreaMap it draws on (for its projection). */
  constructor(map, info) {
    this.map = map;
    this.info = info;
    this.lines = s('g', { class: 'streets', 'aria-hidden': 'true' });
    this.names = s('g', { class: 'street-labels', 'aria-hidden': 'true' });
    this.tiles = new Map(); // key -> {lines, names, z}
    this.wanted = new Set();
  }

  /** Draws the tiles of the map's current view. */
  update() {
    const m = this.map;
    const v = m.view;
    if (!v || !this.info?.streets) return;
    const upp = m.unitsPerPixel();
    const z = Math.max(this.info.min_zoom, Math.min(this.info.max_zoom,
      Math.round(Math.log2((360 * m.kx) / (upp * TILE_PX)))));
    const size = 360 / 2 ** z;
    const nw = m.unproject(v.x, v.y);
    const se = m.unproject(v.x + v.w, v.y + v.h);
    const [south, west, north, east] = this.info.bounds ?? [-90, -180, 90, 180];
    const x0 = Math.floor((Math.max(nw.lon, west) + 180) / size);
    const x1 = Math.floor((Math.min(se.lon, east) + 180) / size);
    const y0 = Math.floor((90 - Math.min(nw.lat, north)) / size);
    const y1 = Math.floor((90 - Math.max(se.lat, south)) / size);
    const wanted = new Set();
    if (x1 >= x0 && y1 >= y0 && (x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_TILES_IN_VIEW) {
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) wanted.add(`${z}/${x}/${y}`);
    }
    this.wanted = wanted;
    this.lines.dataset.zoom = z;
    for (const [key, tile] of this.tiles) {
      const show = wanted.has(key);
      tile.lines.style.display = show ? '' : 'none';
      tile.names.style.display = show ? '' : 'none';
    }
    for (const key of wanted) if (!this.tiles.has(key)) this.fetch(key);
    this.names.setAttribute('font-size', (11 * upp).toFixed(4));
    this.names.setAttribute('stroke-width', (3 * upp).toFixed(4));
  }

  async fetch(key) {
    const entry = { lines: s('g', { 'data-tile': key }), names: s('g', {}), loading: true };
    this.tiles.set(key, entry);
    try {
      const tile = await get(`/streets/${key}`);
      this.draw(entry, tile);
    } catch {
      this.tiles.delete(key);
      return;
    }
    entry.loading = false;
    this.lines.append(entry.lines);
    this.names.append(entry.names);
    const show = this.wanted.has(key);
    entry.lines.style.display = show ? '' : 'none';
    entry.names.style.display = show ? '' : 'none';
    if (this.tiles.size > KEPT_TILES) {
      for (const [k, t] of this.tiles) {
        if (this.tiles.size <= KEPT_TILES) break;
        if (!this.wanted.has(k) && !t.loading) {
          t.lines.remove();
          t.names.remove();
          this.tiles.delete(k);
        }
      }
    }
    this.map.el.dataset.streetTiles = this.lines.querySelectorAll('path').length ? 'drawn' : 'empty';
  }

  draw(entry, tile) {
    const m = this.map;
    const step = tile.size / tile.extent;
    const byClass = new Map();
    const best = new Map(); // name index -> {len, x, y, angle}
    for (const line of tile.lines) {
      const [cls, name] = line;
      let u = 0;
      let v = 0;
      let d = '';
      let prev = null;
      for (let i = 2; i + 1 < line.length; i += 2) {
        u += line[i];
        v += line[i + 1];
        const [x, y] = m.project(tile.north - v * step, tile.west + u * step);
        d += `${prev ? 'L' : 'M'}${x.toFixed(3)} ${y.toFixed(3)}`;
        if (prev && name >= 0) {
          const len = Math.hypot(x - prev[0], y - prev[1]);
          const b = best.get(name);
          if (!b || len > b.len) best.set(name, { len, x: (x + prev[0]) / 2, y: (y + prev[1]) / 2, angle: Math.atan2(y - prev[1], x - prev[0]) });
        }
        prev = [x, y];
      }
      byClass.set(cls, (byClass.get(cls) ?? '') + d);
    }
    for (const [cls, d] of byClass) {
      entry.lines.append(s('path', { class: `road ${tile.classes[cls] ?? 'unknown'}`, d }));
    }
    const upp = m.unitsPerPixel();
    for (const [name, b] of best) {
      const text = tile.names[name];
      // Only where the stretch is long enough on screen for the name.
      if (!text || b.len / upp < text.length * 6) continue;
      let deg = (b.angle * 180) / Math.PI;
      if (deg > 90) deg -= 180;
      if (deg < -90) deg += 180;
      entry.names.append(s('text', {
        class: 'street-name', 'text-anchor': 'middle', 'dominant-baseline': 'central',
        transform: `translate(${b.x.toFixed(3)} ${b.y.toFixed(3)}) rotate(${deg.toFixed(1)})`,
      }, text));
    }
  }
}
