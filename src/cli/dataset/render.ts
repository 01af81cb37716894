/**
 * Renders a landscape layout to an RGB picture. Every pixel is drawn from its own class's
 * material (materials.ts), so the label map describes the picture exactly; texture comes from
 * the shared noise bank, light from the sun's side, with distance haze, tree shadows on the
 * ground, and water that mirrors what stands above its shore. No fs, no DOM.
 *
 * The look (time of day, season, colours) is drawn from the scene's seed, so a scene renders
 * the same every time, and differently from its neighbours.
 */
import { CLS, PART, groundScale, groundZ, type Scene } from './layout';
import { makeLook, type Look } from './look';
import { Materials } from './materials';
import { Rng, noiseBank, sample, smoothstep, texel } from './noise';

const { sky: SKY, cloud: CLOUD, mountain: MOUNTAIN, snow: SNOW, rock: ROCK, water: WATER, tree: TREE } = CLS;
const { grass: GRASS, flower: FLOWER, dirt: DIRT, sand: SAND } = CLS;

export interface Rendered {
  /** Row-major RGB, 3 bytes a pixel. */
  rgb: Uint8Array;
  look: Look;
}

export function renderScene(scene: Scene): Rendered {
  const rng = new Rng(scene.seed ^ 0x2545f491);
  const look = makeLook(rng, scene.timeOfDay);
  const { width: w, height: h, labels, part } = scene;
  const o = new Float64Array(12);
  for (let k = 0; k < o.length; k++) o[k] = rng.offset();
  const m = new Materials(scene, look, o);
  // Straight to bytes, with an exposure jitter and a little grain (as a camera would add).
  const out = new Uint8Array(w * h * 3);
  const exposure = rng.range(0.92, 1.08) * 255;
  const grain = rng.range(1, 4);
  const go = Math.floor(rng.offset() * 7);
  const white = noiseBank().white;
  const wmask = white.length - 1;
  const rgb = m.rgb;

  // Tree shadows fall on the ground just below a tree, shifted away from the sun.
  const lastTree = new Int32Array(w).fill(-1 << 20);
  for (let y = 0; y < h; y++) {
    m.setRow(y);
    const s = groundScale(scene.horizon, y);
    const shadowLen = 1 + 0.12 * s;
    const shadowShift = Math.round(scene.sunSide * 0.06 * s);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = labels[i];
      if (c === SKY || c === CLOUD) m.sky(x, i, c);
      else if (c === MOUNTAIN || c === SNOW) m.mountain(x, i, c);
      else if (c === ROCK) {
        if (part[i] === PART.boulder) m.boulder(x, i);
        else m.mountain(x, i, c);
      } else if (c === TREE) {
        lastTree[x] = y;
        m.tree(x, i);
      } else if (c === GRASS || c === FLOWER || c === DIRT || c === SAND) {
        const xs = Math.max(0, Math.min(w - 1, x + shadowShift));
        m.ground(x, i, c, y - lastTree[xs] < shadowLen);
      } else continue; // water: second pass, once what it mirrors is drawn
      const j = i * 3;
      out[j] = toByte(rgb[0] * exposure + (white[(j + go) & wmask] - 0.5) * grain);
      out[j + 1] = toByte(rgb[1] * exposure + (white[(j + go + 1) & wmask] - 0.5) * grain);
      out[j + 2] = toByte(rgb[2] * exposure + (white[(j + go + 2) & wmask] - 0.5) * grain);
    }
  }
  water(scene, look, m, out, exposure, o);
  return { rgb: out, look };
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5;
}

/**
 * Water mirrors the scene about its shore line (the row above each column's run of water),
 * broken up by ripples that grow towards the viewer; the deep colour shows through where the
 * view looks down into it, and a low sun glitters on it.
 */
function water(scene: Scene, look: Look, m: Materials, out: Uint8Array, exposure: number, o: Float64Array): void {
  const { width: w, height: h, labels, horizon: hz } = scene;
  const { fbm, fbm2, white } = noiseBank();
  const { skyR, skyG, skyB, groundHaze } = m;
  const amb = look.ambient;
  const sun = look.sun;
  const deepR = look.waterDeep[0] * (amb[0] + sun[0] * 0.5);
  const deepG = look.waterDeep[1] * (amb[1] + sun[1] * 0.5);
  const deepB = look.waterDeep[2] * (amb[2] + sun[2] * 0.5);
  const sunPx = look.sunX * w;
  const glitter = look.timeOfDay === 'golden' || look.timeOfDay === 'dusk' ? 1 : look.timeOfDay === 'day' ? 0.4 : 0;
  for (let x = 0; x < w; x++) {
    let shore = -1;
    for (let y = 0; y < h; y++) {
      const i = y * w + x;
      if (labels[i] !== WATER) {
        // A boulder in the water does not end the water's view of the far shore.
        if (labels[i] !== ROCK || scene.part[i] !== PART.boulder) shore = -1;
        continue;
      }
      if (shore < 0) shore = y;
      const s = groundScale(hz, y);
      const Z = groundZ(w, hz, y);
      const X = (x + 0.5 - w / 2) / s;
      const near = smoothstep(0, 1, (y + 0.5 - hz) / Math.max(h - hz, 1));
      const wave = sample(fbm2, X * 18 + o[0], Z * 70 + o[1]) - 0.5;
      const sx = Math.max(0, Math.min(w - 1, x + Math.round(wave * (1 + 0.06 * s) * 2)));
      const ry = Math.round(shore - 1 - (y - shore) + wave * (0.5 + 0.04 * s));
      const src = ry >= 0 && ry < h ? labels[ry * w + sx] : WATER;
      let rr: number;
      let rg: number;
      let rb: number;
      // Only what stands up is mirrored; flat ground beyond the shore hides none of the sky.
      if (src !== WATER && src !== GRASS && src !== FLOWER && src !== DIRT && src !== SAND) {
        const j = (ry * w + sx) * 3;
        rr = out[j] / exposure;
        rg = out[j + 1] / exposure;
        rb = out[j + 2] / exposure;
      } else {
        const sy = Math.max(0, Math.min(h - 1, Math.round(2 * hz - y)));
        rr = skyR[sy];
        rg = skyG[sy];
        rb = skyB[sy];
      }
      const fres = 0.88 - 0.4 * near;
      let r = deepR + (rr * 0.85 - deepR) * fres;
      let g = deepG + (rg * 0.88 - deepG) * fres;
      let b = deepB + (rb * 0.92 - deepB) * fres;
      // Ripple crests pick up the sky, troughs darken: horizontal streaks.
      const st = sample(fbm, X * 40 + o[2], Z * 260 + o[3]);
      if (st > 0.58) {
        const k = Math.min(1, (st - 0.58) * 3) * 0.6;
        r += (skyR[0] * 0.9 + 0.1 - r) * k;
        g += (skyG[0] * 0.9 + 0.1 - g) * k;
        b += (skyB[0] * 0.9 + 0.1 - b) * k;
      } else if (st < 0.42) {
        const k = 1 - (0.42 - st) * 1.5;
        r *= k;
        g *= k;
        b *= k;
      }
      if (glitter > 0) {
        const gx = (x - sunPx) / (0.12 * w);
        const sp = texel(white, X * 90 + o[4], Z * 300 + o[5]);
        if (sp > 0.93 && gx * gx < 1) {
          const k = glitter * (1 - gx * gx) * (sp - 0.93) * 12;
          r += sun[0] * k;
          g += sun[1] * k;
          b += sun[2] * k;
        }
      }
      const ha = groundHaze[y] * 0.7;
      r += (look.horizon[0] - r) * ha;
      g += (look.horizon[1] - g) * ha;
      b += (look.horizon[2] - b) * ha;
      const j = i * 3;
      out[j] = toByte(r * exposure + (white[(j + 5) & 0xffff] - 0.5) * 2);
      out[j + 1] = toByte(g * exposure + (white[(j + 6) & 0xffff] - 0.5) * 2);
      out[j + 2] = toByte(b * exposure + (white[(j + 7) & 0xffff] - 0.5) * 2);
    }
  }
}
