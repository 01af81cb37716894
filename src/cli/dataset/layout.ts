/**
 * Procedural landscape layouts: (seed, index, size) -> a label map in the LANDSCAPES set plus
 * what the renderer needs to light it (cloud density, sprite shading, mountain ranges).
 * No fs, no DOM: runs in a browser too.
 *
 * The camera looks at a flat ground plane from height 1 with focal length = image width, so a
 * ground pixel (x, y) below the horizon row `hz` sits at depth Z = W / (y - hz) and lateral
 * position X = (x - W/2) / (y - hz). Lakes, rivers, paths and meadows are shaped in (X, Z), which
 * gives them perspective for free: wide and coarse in front, thin slivers near the horizon.
 * Mountains stand on the horizon; trees and boulders are sprites standing on the ground, drawn
 * far to near.
 */
import { LANDSCAPES } from '../../model/io/label_sets';
import { TIMES_OF_DAY, TIME_OF_DAY_WEIGHTS, type TimeOfDay } from './look';
import { Rng, TEX_SIZE, noiseBank, quantile, sample, smoothstep } from './noise';

function classId(name: string): number {
  const id = LANDSCAPES.names.indexOf(name);
  if (id < 0) throw new Error(`internal: no class '${name}' in the landscapes label set`);
  return id;
}

/** Class ids in the LANDSCAPES label set. */
export const CLS = {
  sky: classId('sky'),
  cloud: classId('cloud'),
  mountain: classId('mountain'),
  snow: classId('snow'),
  rock: classId('rock'),
  water: classId('water'),
  grass: classId('grass'),
  flower: classId('flower'),
  tree: classId('tree'),
  dirt: classId('dirt'),
  sand: classId('sand'),
} as const;

/** Sprite kinds, stored in `Scene.part` for tree and boulder pixels. */
export const PART = { conifer: 1, broadleaf: 2, trunk: 3, boulder: 4 } as const;

export type TreeKind = 'conifer' | 'broadleaf' | 'mixed';

export interface Scene {
  seed: number;
  width: number;
  height: number;
  /** Class id per pixel, row-major. */
  labels: Uint8Array;
  /**
   * A per-pixel value whose meaning depends on the class: cloud and sky: cloud density minus the
   * cloud threshold; mountain/snow/rock on a range: height above the horizon / range height;
   * tree and boulder: sprite lighting in [0, 1]; sand: distance to water in pixels.
   */
  field: Float32Array;
  /** Mountain/snow/rock: 1 + range index (0 = farthest); trees/boulders: a PART; else 0. */
  part: Uint8Array;
  /** Trees and boulders: the row their sprite stands on (for haze and texture scale). */
  base: Uint16Array;
  /** Horizon row (fractional). */
  horizon: number;
  /**
   * Per range, far to near: the ridge row for each column; `lift`, the ridge's height above the
   * horizon in pixels for x from -width to 2 * width (index x + width), so that shading can
   * follow spurs that wander sideways; and the range's height in pixels.
   */
  ranges: { ridge: Float32Array; lift: Float32Array; height: number }[];
  /** Horizontal light direction: -1 = sun on the left, +1 = on the right. */
  sunSide: number;
  trees: TreeKind;
  /** Chosen with the layout, since an overcast sky needs its clouds. */
  timeOfDay: TimeOfDay;
  /** A lake reaches to the horizon. */
  lake: boolean;
}

/** Scratch state while a layout is built. */
interface Build {
  rng: Rng;
  w: number;
  h: number;
  hz: number;
  /** First ground row. */
  y0: number;
  labels: Uint8Array;
  field: Float32Array;
  part: Uint8Array;
  base: Uint16Array;
  /** Whether the scene has a lake reaching to the horizon (set by `ground`). */
  lake: boolean;
}

/** Depth of ground row y (clamped so rows right at the horizon stay finite). */
export function groundZ(w: number, hz: number, y: number): number {
  return w / Math.max(y + 0.5 - hz, 0.75);
}

/** Pixels per world unit on ground row y (= 1 / lateral world units per pixel). */
export function groundScale(hz: number, y: number): number {
  return Math.max(y + 0.5 - hz, 0.75);
}

export function makeLayout(seed: number, width: number, height: number): Scene {
  const rng = new Rng(seed);
  const w = width;
  const h = height;
  const hz = h * rng.range(0.34, 0.62);
  const n = w * h;
  const b: Build = {
    rng, w, h, hz, y0: Math.min(h, Math.ceil(hz - 0.5)),
    labels: new Uint8Array(n), field: new Float32Array(n), part: new Uint8Array(n), base: new Uint16Array(n), lake: false,
  };
  const sunSide = rng.chance(0.5) ? -1 : 1;
  const timeOfDay = TIMES_OF_DAY[rng.weighted(TIME_OF_DAY_WEIGHTS)];
  sky(b, timeOfDay === 'overcast');
  const ranges = mountains(b);
  ground(b);
  const trees = (['conifer', 'broadleaf', 'mixed'] as const)[rng.weighted([0.4, 0.35, 0.25])];
  sprites(b, trees, sunSide);
  return {
    seed,
    width,
    height,
    labels: b.labels,
    field: b.field,
    part: b.part,
    base: b.base,
    horizon: hz,
    ranges,
    sunSide,
    trees,
    timeOfDay,
    lake: b.lake,
  };
}

// ---------------------------------------------------------------------------------------------
// Sky and clouds

function sky(b: Build, overcast: boolean): void {
  const { rng, w, hz, labels, field } = b;
  const { fbm } = noiseBank();
  // clear, scattered cumulus, heavy, stratus bands
  const kind = rng.weighted(overcast ? [0, 0, 0.6, 0.4] : [0.15, 0.45, 0.2, 0.2]);
  const cover = overcast ? rng.range(0.55, 0.8) : [0, rng.range(0.15, 0.4), rng.range(0.4, 0.7), rng.range(0.2, 0.45)][kind];
  const thr = kind === 0 ? 2 : quantile(fbm, 1 - cover);
  const fx = (kind === 3 ? rng.range(0.25, 0.45) : rng.range(0.45, 0.9)) * (256 / w);
  const fyTop = fx * (kind === 3 ? rng.range(2.5, 4) : rng.range(0.9, 1.4));
  // Perspective for a cloud layer: v = K / (hz - y + c), flattening clouds towards the horizon.
  const c = Math.max(hz * 0.25, 4);
  const top = hz + c;
  const K = fyTop * top * top;
  const ox = rng.offset();
  const oy = rng.offset();
  const rows = Math.min(b.y0, b.h);
  for (let y = 0; y < rows; y++) {
    const v = K / (hz - y - 0.5 + c) + oy;
    // Fewer clouds right above the horizon, where they would be slivers.
    const t = thr + 0.12 * (1 - smoothstep(0, 0.35, (hz - y) / hz));
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const d = sample(fbm, x * fx + ox, v) - t;
      field[row + x] = d;
      labels[row + x] = d > 0 ? CLS.cloud : CLS.sky;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mountain ranges, snow caps, cliffs

function mountains(b: Build): Scene['ranges'] {
  const { rng, w, hz, labels, field, part } = b;
  const { fbm, fbm2, ridged } = noiseBank();
  const count = 1 + rng.weighted([0.3, 0.4, 0.3]);
  const ranges: Scene['ranges'] = [];
  let maxH = Math.min(hz * rng.range(0.35, 0.92), b.h * 0.42);
  const rockRanges = rng.chance(0.7) ? rng.int(1, Math.min(2, count)) : 0;
  for (let r = 0; r < count; r++) {
    if (r > 0) maxH *= rng.range(0.45, 0.8);
    const minH = maxH * rng.range(0.03, 0.3);
    const f = rng.range(0.5, 1.6) * (256 / w) * (r === 0 ? 1 : 1.3);
    const ox = rng.offset();
    const oy = rng.offset();
    const ox2 = rng.offset();
    const sharp = rng.range(0.25, 0.6);
    // Some ranges fill the width; others rise on one side and leave a valley.
    const side = rng.chance(0.35) ? (rng.chance(0.5) ? -1 : 1) : 0;
    const edge = rng.range(0.2, 0.7);
    // The profile is computed a width beyond each side so the renderer can shade spurs that
    // wander sideways; it is normalised on the visible part.
    const prof = new Float32Array(3 * w);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < 3 * w; k++) {
      const x = k - w;
      const p = (1 - sharp) * sample(fbm, x * f + ox, oy) + sharp * sample(ridged, x * f * 0.7 + ox2, oy);
      prof[k] = p;
      if (k >= w && k < 2 * w) {
        if (p < lo) lo = p;
        if (p > hi) hi = p;
      }
    }
    const lift = new Float32Array(3 * w);
    for (let k = 0; k < 3 * w; k++) {
      let p = Math.max(-0.2, Math.min(1.2, (prof[k] - lo) / Math.max(hi - lo, 1e-6)));
      if (side !== 0) {
        const u = (k - w) / w;
        p *= smoothstep(edge - 0.35, edge + 0.1, side < 0 ? 1 - u : u);
      }
      const q = Math.max(0, Math.min(1, p));
      lift[k] = minH + (maxH - minH) * (q * q * (3 - 2 * q) * 0.85 + 0.15 * p);
    }
    const ridge = new Float32Array(w);
    for (let x = 0; x < w; x++) ridge[x] = hz - lift[x + w];
    ranges.push({ ridge, lift, height: maxH });

    // Snow: above a noisy snow line; deeper in gullies (ridged noise stretched vertically).
    const snowy = rng.chance(r === 0 ? 0.8 : r === 1 ? 0.55 : 0.3);
    const snowAlt = minH + (maxH - minH) * rng.range(0.3, 0.75);
    const snowAmp = maxH * rng.range(0.15, 0.35);
    const sf = rng.range(0.8, 2) * (256 / w);
    const so = rng.offset();
    const rocky = r >= count - rockRanges;
    const rockThr = quantile(ridged, 1 - rng.range(0.08, 0.3));
    const rf = rng.range(1, 2.5) * (256 / w);
    const ro = rng.offset();
    const yEnd = b.y0;
    for (let x = 0; x < w; x++) {
      const yr = Math.max(0, Math.ceil(ridge[x] - 0.5));
      const slope = Math.abs(ridge[Math.min(w - 1, x + 1)] - ridge[Math.max(0, x - 1)]) * 0.5;
      for (let y = yr; y < yEnd; y++) {
        const i = y * w + x;
        const alt = hz - y - 0.5;
        field[i] = alt / maxH;
        part[i] = r + 1;
        let cls: number = CLS.mountain;
        if (snowy) {
          const g = sample(ridged, x * sf + so, y * sf * 0.7 + so);
          const s2 = sample(fbm2, x * sf * 2 + so, y * sf * 2);
          if (alt + (g - 0.45) * snowAmp + (s2 - 0.5) * snowAmp * 0.6 - slope * maxH * 0.08 > snowAlt) cls = CLS.snow;
        }
        if (cls === CLS.mountain && rocky) {
          const k = sample(ridged, x * rf + ro, y * rf * 0.6 + ro);
          // Cliffs favour steep flanks and the upper slopes.
          const nearRidge = 1 - smoothstep(0, maxH * 0.3, y - ridge[x]);
          if (k + 0.06 * Math.min(slope, 1.5) * nearRidge + 0.1 * (alt / maxH) > rockThr + 0.05) cls = CLS.rock;
        }
        labels[i] = cls;
      }
    }
  }
  return ranges;
}

// ---------------------------------------------------------------------------------------------
// Ground: water, grass, meadows of flowers, dirt, sand shores

function ground(b: Build): void {
  const { rng, w, h, hz, y0, labels, field } = b;
  const { fbm, fbm2 } = noiseBank();
  const tx = TEX_SIZE / 8; // texels per world unit for layout-scale noise

  // Water: a lake reaching to the horizon, a river, ponds; any mix, sometimes none.
  const lake = rng.chance(0.45);
  b.lake = lake;
  const lakeNear = rng.range(2.5, 9) * (w / 256); // depth of the near shore, world units
  const lakeAmp = rng.range(0.2, 0.6);
  const lakeBand = rng.chance(0.6) ? rng.range(1, 5) * (h / 256) : 0; // far-shore strip in px
  const lo = [rng.offset(), rng.offset()];
  const river = rng.chance(lake ? 0.3 : 0.55);
  const rivW = rng.range(0.12, 0.55);
  const rivX0 = rng.range(-0.8, 0.8);
  const rivA = rng.range(0.2, 1.5);
  const rivF = rng.range(0.05, 0.3);
  const rivP = rng.range(0, 6.283);
  const ro = [rng.offset(), rng.offset()];
  const ponds = rng.chance(lake || river ? 0.2 : 0.55);
  const pondThr = quantile(fbm2, 1 - rng.range(0.08, 0.25));
  const po = [rng.offset(), rng.offset()];
  const pf = rng.range(0.6, 1.4);

  // Dirt: a path from the bottom edge, and bare patches.
  const path = rng.chance(0.3);
  const pathW = rng.range(0.05, 0.14);
  const pathX0 = rng.range(-0.6, 0.6);
  const pathEnd = rng.range(4, 40) * (w / 256);
  const pathA = rng.range(0.1, 0.8);
  const pathP = rng.range(0, 6.283);
  const patches = rng.chance(0.4);
  const dirtThr = quantile(fbm, 1 - rng.range(0.04, 0.18));
  const dof = rng.range(1, 3);
  const dox = [rng.offset(), rng.offset()];

  // Flowers: meadow patches in the foreground and middle distance.
  const flowers = rng.chance(0.5);
  const flowerThr = quantile(fbm2, 1 - rng.range(0.08, 0.35));
  const ff = rng.range(1, 3);
  const fo = [rng.offset(), rng.offset()];

  // Terms that depend on the column or the row alone are computed once.
  const band = new Float32Array(w);
  for (let x = 0; x < w; x++) band[x] = lakeBand * (0.5 + sample(fbm2, x * 0.7 + lo[1], lo[0]));
  const { grass: GRASS, water: WATER, dirt: DIRT, flower: FLOWER } = CLS;
  for (let y = y0; y < h; y++) {
    const Z = groundZ(w, hz, y);
    const s = groundScale(hz, y);
    const dy = y + 0.5 - hz;
    const rivC = rivX0 + rivA * Math.sin(Z * rivF + rivP) + (sample(fbm, Z * tx * 0.15 + ro[0], ro[1]) - 0.5) * 2;
    const rivH = 0.5 * rivW * (0.8 + 0.5 * sample(fbm2, Z * tx * 0.2 + ro[1], ro[0]));
    const pathHere = path && Z < pathEnd;
    const pathC = pathX0 + pathA * Math.sin(Z * 0.25 + pathP) * Math.min(1, Z / 6);
    const pathH = pathW * (0.8 + 0.4 * sample(fbm2, Z * tx * 0.3, ro[0]));
    const pondsHere = ponds && Z < 16;
    const flowersHere = flowers && Z < 30;
    for (let x = 0; x < w; x++) {
      const X = (x + 0.5 - w / 2) / s;
      const i = y * w + x;
      let cls = GRASS;
      let water = false;
      if (lake) water = dy > band[x] && Z > lakeNear * (1 + lakeAmp * (sample(fbm, X * tx * 0.5 + lo[0], lo[1]) - 0.5) * 4);
      if (!water && river) water = Math.abs(X - rivC) < rivH;
      if (!water && pondsHere) water = sample(fbm2, X * tx * pf + po[0], Z * tx * pf + po[1]) > pondThr;
      if (water) cls = WATER;
      else {
        if (pathHere && Math.abs(X - pathC) < pathH) cls = DIRT;
        else if (patches && sample(fbm, X * tx * dof + dox[0], Z * tx * dof + dox[1]) > dirtThr) cls = DIRT;
        else if (flowersHere && sample(fbm2, X * tx * ff + fo[0], Z * tx * ff + fo[1]) > flowerThr) cls = FLOWER;
      }
      labels[i] = cls;
      field[i] = 0;
    }
  }
  shores(b);
}

/** Sand along the water's edge (some scenes), by a chamfer distance to the nearest water pixel. */
function shores(b: Build): void {
  const { rng, w, h, hz, y0, labels, field } = b;
  const { fbm } = noiseBank();
  const beach = rng.chance(0.6);
  const lakeShore = b.lake;
  const dunes = rng.chance(0.12);
  if (!beach && !dunes) return;
  const width = rng.range(0.04, lakeShore ? 0.35 : 0.15); // world units at the shore
  // Wide beaches only along a big lake; ponds and rivers get a narrow strip.
  const big = lakeShore && rng.chance(0.35) ? rng.range(2, 5) : 1;
  const so = [rng.offset(), rng.offset()];
  const rows = h - y0;
  if (rows <= 0) return;
  const INF = 1e9;
  const d = new Float32Array(rows * w);
  for (let y = 0; y < rows; y++) for (let x = 0; x < w; x++) d[y * w + x] = labels[(y + y0) * w + x] === CLS.water ? 0 : INF;
  const D = Math.SQRT2;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let v = d[i];
      if (x > 0 && d[i - 1] + 1 < v) v = d[i - 1] + 1;
      if (y > 0) {
        if (d[i - w] + 1 < v) v = d[i - w] + 1;
        if (x > 0 && d[i - w - 1] + D < v) v = d[i - w - 1] + D;
        if (x < w - 1 && d[i - w + 1] + D < v) v = d[i - w + 1] + D;
      }
      d[i] = v;
    }
  }
  for (let y = rows - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      let v = d[i];
      if (x < w - 1 && d[i + 1] + 1 < v) v = d[i + 1] + 1;
      if (y < rows - 1) {
        if (d[i + w] + 1 < v) v = d[i + w] + 1;
        if (x < w - 1 && d[i + w + 1] + D < v) v = d[i + w + 1] + D;
        if (x > 0 && d[i + w - 1] + D < v) v = d[i + w - 1] + D;
      }
      d[i] = v;
    }
  }
  const dunesThr = quantile(fbm, 1 - rng.range(0.05, 0.15));
  const maxReach = width * big * 1.7;
  for (let y = y0; y < h; y++) {
    const s = groundScale(hz, y);
    const Z = groundZ(w, hz, y);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = labels[i];
      if (c === CLS.water) continue;
      const dist = d[(y - y0) * w + x];
      const X = (x + 0.5 - w / 2) / s;
      if (beach && dist < maxReach * s && dist < width * big * s * (0.3 + 1.4 * sample(fbm, X * 20 + so[0], Z * 20 + so[1]))) {
        labels[i] = CLS.sand;
        field[i] = dist;
      } else if (dunes && c === CLS.grass && Z < 25 && sample(fbm, X * 30 + so[1], Z * 30 + so[0]) > dunesThr) {
        labels[i] = CLS.sand;
        field[i] = 1e3;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sprites: trees (a treeline on the far shore, clusters, the odd big one) and boulders

interface Sprite {
  /** Screen position of the base, and size in pixels. */
  x: number;
  y: number;
  size: number;
  kind: 'conifer' | 'broadleaf' | 'boulder';
  aspect: number;
  seed: number;
}

function sprites(b: Build, trees: TreeKind, sunSide: number): void {
  const { rng, w, h, hz, y0, labels } = b;
  if (y0 >= h) return;
  const { fbm } = noiseBank();
  const list: Sprite[] = [];
  const treeKind = (): 'conifer' | 'broadleaf' => (trees === 'mixed' ? (rng.chance(0.5) ? 'conifer' : 'broadleaf') : trees);
  const onGround = (x: number, y: number): boolean => {
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    if (xi < 0 || xi >= w || yi < y0 || yi >= h) return false;
    const c = labels[yi * w + xi];
    return c !== CLS.water;
  };
  const sizeScale = h / 256;

  // A treeline along the horizon, with gaps.
  if (rng.chance(0.55)) {
    const thr = quantile(fbm, rng.range(0, 0.5));
    const o = rng.offset();
    const hMax = rng.range(4, 14) * sizeScale;
    const step = rng.range(1.2, 3) * sizeScale;
    for (let x = -step; x < w + step; x += step * rng.range(0.6, 1.4)) {
      if (sample(fbm, x * 0.4 * (256 / w) + o, o) < thr) continue;
      const y = b.hz + rng.range(0.5, 3) * sizeScale;
      if (!onGround(Math.min(w - 1, Math.max(0, x)), y)) continue;
      list.push({ x, y, size: hMax * rng.range(0.5, 1), kind: treeKind(), aspect: rng.range(0.35, 0.6), seed: rng.int(0, 1e9) });
    }
  }

  // Clusters in the middle distance and foreground.
  const clusters = rng.weighted([0.2, 0.3, 0.25, 0.15, 0.1]);
  for (let k = 0; k < clusters; k++) {
    const Zc = Math.exp(rng.range(Math.log(2.5), Math.log(45))) * (w / 256);
    const dyc = w / Zc;
    const Xc = rng.range(-1.2, 1.2) * (w / 2) / dyc;
    const R = rng.range(0.2, 2.5);
    const count = rng.int(3, 30);
    const height = rng.range(0.25, 0.9);
    const kind = treeKind();
    for (let t = 0; t < count; t++) {
      const X = Xc + (rng.next() + rng.next() - 1) * R;
      const Z = Zc * Math.exp((rng.next() - 0.5) * 0.6 * Math.min(R, 1.5));
      const dy = w / Z;
      const y = hz + dy;
      const x = w / 2 + X * dy;
      if (!onGround(x, y)) continue;
      list.push({ x, y, size: Math.max(2, height * dy * rng.range(0.7, 1.3)), kind: trees === 'mixed' ? treeKind() : kind, aspect: rng.range(0.3, 0.55), seed: rng.int(0, 1e9) });
    }
  }
  // The odd big tree near the viewer, at a side.
  if (rng.chance(0.15)) {
    const x = rng.chance(0.5) ? rng.range(0, w * 0.2) : rng.range(w * 0.8, w);
    const y = h - rng.range(0, 0.15) * (h - hz);
    if (onGround(x, y))
      list.push({
        x,
        y,
        size: (y - hz) * rng.range(1.2, 2.2),
        kind: treeKind(),
        aspect: rng.range(0.4, 0.6),
        seed: rng.int(0, 1e9),
      });
  }
  // Boulders.
  if (rng.chance(0.5)) {
    const count = rng.int(1, 12);
    const rx = rng.range(-1, 1);
    for (let t = 0; t < count; t++) {
      const Z = Math.exp(rng.range(Math.log(2), Math.log(25))) * (w / 256);
      const dy = w / Z;
      const y = hz + dy;
      const x = w / 2 + (rx + rng.range(-1, 1)) * (w / 2) * rng.range(0.3, 1);
      if (y >= h || x < 0 || x >= w) continue;
      list.push({ x, y, size: Math.max(2, rng.range(0.05, 0.35) * dy), kind: 'boulder', aspect: rng.range(1.1, 2), seed: rng.int(0, 1e9) });
    }
  }

  list.sort((a, c) => a.y - c.y);
  for (const s of list) {
    if (s.kind === 'conifer') conifer(b, s, sunSide);
    else if (s.kind === 'broadleaf') broadleaf(b, s, sunSide);
    else boulder(b, s, sunSide);
  }
}

function conifer(b: Build, s: Sprite, sunSide: number): void {
  const { w, h, labels, field, part, base } = b;
  const by = Math.min(h - 1, Math.floor(s.y));
  const r = new Rng(s.seed);
  const hgt = s.size;
  const half = (hgt * s.aspect) / 2;
  const trunk = hgt * 0.08;
  const crownH = hgt - trunk;
  const tiers = r.int(4, 9);
  const phase = r.next();
  const top = s.y - hgt;
  const yA = Math.max(0, Math.floor(top));
  const yB = Math.min(h - 1, Math.floor(s.y));
  for (let y = yA; y <= yB; y++) {
    const t = (y + 0.5 - top) / crownH; // 0 at the tip, 1 at the crown's base
    let hw: number;
    let isTrunk = false;
    let tier = 0;
    if (t <= 1) {
      tier = (t * tiers + phase) % 1;
      hw = half * Math.pow(Math.max(t, 0), 0.9) * (0.55 + 0.45 * tier) + 0.3;
    } else {
      hw = Math.max(0.5, half * 0.1);
      isTrunk = true;
    }
    const xa = Math.max(0, Math.ceil(s.x - hw - 0.5));
    const xb = Math.min(w - 1, Math.floor(s.x + hw - 0.5));
    for (let x = xa; x <= xb; x++) {
      const i = y * w + x;
      labels[i] = CLS.tree;
      part[i] = isTrunk ? PART.trunk : PART.conifer;
      base[i] = by;
      const u = (x + 0.5 - s.x) / Math.max(hw, 0.5);
      // Lit on the sun's side; each tier of branches is darker underneath.
      field[i] = 0.55 + 0.4 * u * sunSide - 0.35 * tier - 0.15 * Math.min(1, Math.max(0, t));
    }
  }
}

function broadleaf(b: Build, s: Sprite, sunSide: number): void {
  const { labels, field, part, base } = b;
  const by = Math.min(b.h - 1, Math.floor(s.y));
  const r = new Rng(s.seed);
  const hgt = s.size;
  const rx = (hgt * s.aspect * 1.3) / 2;
  const ry = hgt * 0.36;
  const cy = s.y - hgt + ry;
  const trunkW = Math.max(0.5, rx * 0.09);
  const lobes = [r.int(3, 7), r.range(0, 6.283), r.int(8, 14), r.range(0, 6.283)];
  lobedBlob(b, s, { cy, rx, ry, top: s.y - hgt, lobes, amps: [0.12, 0.06] }, (i, x, y, dx, dy, inside) => {
    if (inside) {
      labels[i] = CLS.tree;
      part[i] = PART.broadleaf;
      base[i] = by;
      field[i] = 0.5 + 0.35 * dx * sunSide - 0.3 * dy;
    } else if (y + 0.5 > cy && Math.abs(x + 0.5 - s.x) < trunkW) {
      labels[i] = CLS.tree;
      part[i] = PART.trunk;
      base[i] = by;
      field[i] = 0.3;
    }
  });
}

function boulder(b: Build, s: Sprite, sunSide: number): void {
  const { labels, field, part, base } = b;
  const by = Math.min(b.h - 1, Math.floor(s.y));
  const r = new Rng(s.seed);
  const ry = s.size / 2;
  const rx = ry * s.aspect;
  const cy = s.y - ry * 0.7;
  const lobes = [r.int(2, 5), r.range(0, 6.283), r.int(5, 9), r.range(0, 6.283)];
  lobedBlob(b, s, { cy, rx, ry, top: cy - ry * 1.3, lobes, amps: [0.15, 0.07] }, (i, _x, _y, dx, dy, inside) => {
    if (!inside) return;
    labels[i] = CLS.rock;
    part[i] = PART.boulder;
    base[i] = by;
    field[i] = 0.55 + 0.35 * dx * sunSide - 0.35 * dy;
  });
}

/**
 * Visits the box around a sprite's blob, rows from `top` down to the sprite's foot: an ellipse
 * centred on (s.x, cy) whose outline wobbles with two sine lobes of the angle. `inside` says
 * whether the pixel lies within that outline; dx, dy are its offsets in radii.
 */
function lobedBlob(
  b: Build,
  s: Sprite,
  blob: { cy: number; rx: number; ry: number; top: number; lobes: number[]; amps: [number, number] },
  visit: (i: number, x: number, y: number, dx: number, dy: number, inside: boolean) => void,
): void {
  const { w, h } = b;
  const { cy, rx, ry, lobes: k, amps } = blob;
  const yA = Math.max(0, Math.floor(blob.top));
  const yB = Math.min(h - 1, Math.floor(s.y));
  const xA = Math.max(0, Math.floor(s.x - rx * 1.3));
  const xB = Math.min(w - 1, Math.ceil(s.x + rx * 1.3));
  for (let y = yA; y <= yB; y++) {
    for (let x = xA; x <= xB; x++) {
      const dx = (x + 0.5 - s.x) / rx;
      const dy = (y + 0.5 - cy) / ry;
      const a = Math.atan2(dy, dx);
      const edge = 1 + amps[0] * Math.sin(a * k[0] + k[1]) + amps[1] * Math.sin(a * k[2] + k[3]);
      visit(y * w + x, x, y, dx, dy, dx * dx + dy * dy < edge * edge);
    }
  }
}
