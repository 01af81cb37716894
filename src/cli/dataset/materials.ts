/**
 * What each class looks like: one method per group of classes that computes a pixel's colour
 * (floats, about 0..1) into `rgb`. The renderer calls them pixel by pixel; per-row state
 * (`setRow`) is computed once per row. No fs, no DOM.
 *
 * Each material is its own small method, not one big switch, on purpose: V8 inlines the noise
 * lookups only within a per-function budget, and a lookup that is not inlined returns a boxed
 * double, which is most of the garbage a big function would make.
 */
import { CLS, PART, groundScale, groundZ, type Scene } from './layout';
import type { Look, Vec3 } from './look';
import { noiseBank, sample, smoothstep, texel } from './noise';

const { sky: SKY, cloud: CLOUD, snow: SNOW, rock: ROCK, grass: GRASS, flower: FLOWER, dirt: DIRT } = CLS;

export class Materials {
  /** Output of the last call. */
  readonly rgb = new Float64Array(3);
  readonly skyR: Float32Array;
  readonly skyG: Float32Array;
  readonly skyB: Float32Array;
  /** Haze towards the horizon colour for ground at each row. */
  readonly groundHaze: Float32Array;
  private readonly w: number;
  private readonly h: number;
  private readonly hz: number;
  private readonly fbm: Float32Array;
  private readonly fbm2: Float32Array;
  private readonly ridged: Float32Array;
  private readonly white: Float32Array;
  private readonly glowCol: Float32Array;
  private readonly rangeFar: Float32Array;
  private readonly rangeHaze: Float32Array;
  private readonly sunSide: number;
  /** Texel steps per pixel for screen-space textures, so that any size looks alike. */
  private readonly px: number;
  private readonly groundLight: number;
  // per row
  private y = 0;
  private Z = 0;
  private s = 1;
  private near = 0;
  private haze = 0;
  private glowRow = 0;

  constructor(
    private readonly scene: Scene,
    private readonly look: Look,
    /** Texture offsets, so that scenes do not share their textures. */
    private readonly o: Float64Array,
  ) {
    const { width: w, height: h, horizon: hz, ranges } = scene;
    this.w = w;
    this.h = h;
    this.hz = hz;
    const bank = noiseBank();
    this.fbm = bank.fbm;
    this.fbm2 = bank.fbm2;
    this.ridged = bank.ridged;
    this.white = bank.white;
    this.sunSide = scene.sunSide;
    this.px = 256 / w;
    this.groundLight = 0.6 + 0.4 * Math.min(1, look.sunElev);

    // The sky's gradient by row, and the sun's glow as a product of a row and a column term.
    const sunPx = look.sunX * w;
    this.glowCol = new Float32Array(w);
    for (let x = 0; x < w; x++) this.glowCol[x] = Math.exp(-(((x - sunPx) / w) ** 2) * 9);
    this.skyR = new Float32Array(h);
    this.skyG = new Float32Array(h);
    this.skyB = new Float32Array(h);
    for (let y = 0; y < h; y++) {
      const k = Math.pow(Math.max(0, Math.min(1, (hz - y) / Math.max(hz, 1))), 0.55);
      this.skyR[y] = look.horizon[0] + (look.zenith[0] - look.horizon[0]) * k;
      this.skyG[y] = look.horizon[1] + (look.zenith[1] - look.horizon[1]) * k;
      this.skyB[y] = look.horizon[2] + (look.zenith[2] - look.horizon[2]) * k;
    }
    this.groundHaze = new Float32Array(h);
    for (let y = 0; y < h; y++) {
      const f = 1 - smoothstep(0, 0.35, Math.max(0, y + 0.5 - hz) / Math.max(h - hz, 1));
      this.groundHaze[y] = look.haze * 0.85 * f * f;
    }
    // Farther ranges are bluer and hazier.
    const nr = ranges.length;
    this.rangeFar = new Float32Array(nr + 1);
    this.rangeHaze = new Float32Array(nr + 1);
    for (let r = 0; r < nr; r++) {
      const far = nr === 1 ? 0.45 : 1 - r / (nr - 1);
      this.rangeFar[r + 1] = far;
      this.rangeHaze[r + 1] = look.haze * (0.25 + 0.5 * far);
    }
  }

  setRow(y: number): void {
    const { hz, h, w } = this;
    this.y = y;
    this.Z = groundZ(w, hz, y);
    this.s = groundScale(hz, y);
    this.near = smoothstep(0, 0.6, (y + 0.5 - hz) / Math.max(h - hz, 1));
    this.haze = this.hazeAt(y);
    this.glowRow = this.look.glow * Math.exp(-(((y - this.hz * (1 - this.look.sunElev)) / w) ** 2) * 9);
  }

  /** Ground haze for something standing on row y (rows above the horizon: the farthest ground). */
  hazeAt(y: number): number {
    return this.groundHaze[Math.max(0, Math.min(this.h - 1, y < this.hz ? Math.ceil(this.hz) : y))];
  }

  /** Lit colour: albedo times (ambient + sun * light), then haze towards the horizon colour. */
  private light(ar: number, ag: number, ab: number, l: number, haze: number): void {
    const { ambient: amb, sun, horizon } = this.look;
    const r = ar * (amb[0] + sun[0] * l);
    const g = ag * (amb[1] + sun[1] * l);
    const b = ab * (amb[2] + sun[2] * l);
    this.rgb[0] = r + (horizon[0] - r) * haze;
    this.rgb[1] = g + (horizon[1] - g) * haze;
    this.rgb[2] = b + (horizon[2] - b) * haze;
  }

  /** Sky and clouds: gradient, the sun's glow, soft lit clouds that fade into the horizon. */
  sky(x: number, i: number, cls: number): void {
    const { look, scene, y } = this;
    let r = this.skyR[y];
    let g = this.skyG[y];
    let b = this.skyB[y];
    if (this.glowRow > 0.004) {
      const gl = this.glowRow * this.glowCol[x];
      r += gl * look.sun[0];
      g += gl * look.sun[1] * 0.9;
      b += gl * look.sun[2] * 0.7;
    }
    const d = scene.field[i];
    if (d > -0.06) {
      // Lit where the density falls off towards the sun and upwards.
      const w = this.w;
      const j = i - 2 * w - 2 * this.sunSide;
      const lj = j >= 0 ? scene.labels[j] : -1;
      const dn = lj === CLOUD || lj === SKY ? scene.field[j] : d;
      const lit = Math.max(0, Math.min(1, 0.6 + (d - dn) * 7));
      const thick = smoothstep(0, 0.3, d) * 0.3;
      const cr = (look.cloudShade[0] + (look.cloudLit[0] - look.cloudShade[0]) * lit) * (1 - thick);
      const cg = (look.cloudShade[1] + (look.cloudLit[1] - look.cloudShade[1]) * lit) * (1 - thick);
      const cb = (look.cloudShade[2] + (look.cloudLit[2] - look.cloudShade[2]) * lit) * (1 - thick * 0.8);
      // Clouds are a little transparent at their edges; the sky just outside is a little veiled.
      const a = cls === CLOUD ? 0.6 + 0.4 * smoothstep(0, 0.1, d) : 0.3 * (1 + d / 0.06);
      r += (cr - r) * a;
      g += (cg - g) * a;
      b += (cb - b) * a;
      const hf = 0.25 * (1 - smoothstep(0, 0.3, (this.hz - y) / this.hz));
      r += (look.horizon[0] - r) * hf;
      g += (look.horizon[1] - g) * hf;
      b += (look.horizon[2] - b) * hf;
    }
    this.rgb[0] = r;
    this.rgb[1] = g;
    this.rgb[2] = b;
  }

  /**
   * Mountain, snow and cliff pixels of a range. Light: the faces of the ridge line's slopes,
   * extruded down along spurs that wander sideways (each peak gets a lit and a shadowed face),
   * plus ribs and gullies from a ridged field. Farther ranges are bluer and hazier.
   */
  mountain(x: number, i: number, cls: number): void {
    const { look, scene, y, o, px, w } = this;
    const p = scene.part[i];
    const range = scene.ranges[p - 1];
    const alt = scene.field[i];
    const mf = 1.6 * px;
    const hgt = Math.max(range.height, 1);
    const depth = (y - range.ridge[x]) / hgt;
    const drift = (sample(this.fbm, x * mf * 0.5 + o[4], y * mf * 0.5 + o[5]) - 0.5) * hgt * 1.6 * depth;
    // The slope is taken over a span that widens downhill: fine notches only near the crest.
    const span = Math.min(24, 2 + Math.floor(depth * 16));
    const k0 = Math.floor(Math.max(span - w, Math.min(2 * w - 1 - span, x + drift)) + w);
    const slope = (range.lift[k0 + span] - range.lift[k0 - span]) / (2 * span);
    const face = Math.max(-1.2, Math.min(1.2, slope)) * Math.exp(-depth * 0.8);
    const hx =
      sample(this.ridged, (x + 1) * mf + o[6], y * mf * 1.2 + o[7]) -
      sample(this.ridged, (x - 1) * mf + o[6], y * mf * 1.2 + o[7]);
    const l = Math.max(0.03, Math.min(1, 0.5 - (0.7 * face + 0.9 * hx) * this.sunSide));
    const far = this.rangeFar[p];
    let ar: number;
    let ag: number;
    let ab: number;
    if (cls === SNOW) {
      // Snowfields: wind-packed ripples and the odd dark stone, unlike a cloud's smooth puffs.
      const n = sample(this.fbm2, x * 3 * px + o[8], y * 5 * px + o[9]);
      const stone = texel(this.white, x * px + o[10], y * px + o[11]);
      const k = (0.86 + 0.2 * n) * (stone > 0.985 ? 0.7 : 1);
      ar = look.snow[0] * k;
      ag = look.snow[1] * k;
      ab = look.snow[2] * k;
    } else if (cls === ROCK) {
      // Bare stone: pale, blocky, with dark cracks and crisp light and shade.
      const n = sample(this.fbm2, x * 2 * px + o[8], y * 2 * px + o[9]);
      const crack = sample(this.ridged, x * 2.5 * px + o[10], y * 1.5 * px + o[11]);
      const k = (0.7 + 0.6 * n) * (crack > 0.75 ? 0.55 : 1);
      ar = look.rock[0] * k;
      ag = look.rock[1] * k;
      ab = look.rock[2] * k;
    } else {
      const n = sample(this.fbm, x * 1.2 * px + o[8], y * 1.2 * px + o[9]);
      const fine = sample(this.fbm2, x * 4 * px + o[10], y * 4 * px + o[11]);
      // Near ranges are wooded at their feet.
      const veg = (1 - far) * (1 - smoothstep(0.1, 0.6, alt)) * 0.6;
      const k = (0.8 + 0.4 * n) * (0.88 + 0.24 * fine);
      const mn = look.mountainNear;
      const mfar = look.mountainFar;
      ar = (mn[0] + (mfar[0] - mn[0]) * far) * k;
      ag = (mn[1] + (mfar[1] - mn[1]) * far) * k;
      ab = (mn[2] + (mfar[2] - mn[2]) * far) * k;
      ar += (look.conifer[0] * 1.3 - ar) * veg;
      ag += (look.conifer[1] * 1.3 - ag) * veg;
      ab += (look.conifer[2] * 1.3 - ab) * veg;
    }
    this.light(ar, ag, ab, l, Math.min(0.85, this.rangeHaze[p] + 0.25 * look.haze * (1 - smoothstep(0, 0.5, alt))));
  }

  /** Boulders: rounded, lit from the sun's side, with cracks. */
  boulder(x: number, i: number): void {
    const { look, scene, y, o, px } = this;
    const n = sample(this.fbm2, x * 1.5 * px + o[0], y * 1.5 * px + o[1]);
    const crack = sample(this.ridged, x * 1.2 * px + o[2], y * 1.2 * px + o[3]);
    const k = (0.7 + 0.5 * n) * (crack > 0.8 ? 0.6 : 1);
    const l = Math.max(0.05, Math.min(1, scene.field[i]));
    this.light(look.rock[0] * k, look.rock[1] * k, look.rock[2] * k, l, this.hazeAt(scene.base[i]));
  }

  /** Trees: leaf clumps sized to the tree, dark gaps, lit on the sun's side; trunks. */
  tree(x: number, i: number): void {
    const { look, scene, y, o, px } = this;
    const haze = this.hazeAt(scene.base[i]);
    const p = scene.part[i];
    if (p === PART.trunk) {
      this.light(look.trunk[0], look.trunk[1], look.trunk[2], 0.3, haze);
      return;
    }
    const base: Vec3 = p === PART.conifer ? look.conifer : look.broadleaf;
    // Clumps of about 0.05 world units, from the scale of the row the tree stands on.
    const cs = 14 / Math.max(groundScale(this.hz, scene.base[i]), 1);
    const n = sample(this.fbm2, x * cs + o[10], y * cs + o[11]);
    const sp = texel(this.white, x + o[0], y + o[1]);
    const tone = sample(this.fbm, x * 0.3 * px + o[2], o[3]);
    const k = (0.5 + n) * (sp < 0.12 ? 0.6 : 1) * (0.8 + 0.4 * tone);
    const l = Math.max(0, Math.min(1, scene.field[i] + (n - 0.5) * 0.8));
    this.light(base[0] * k, base[1] * k, base[2] * k, l, haze);
  }

  /** Grass, flowers, dirt, sand: textured in world coordinates (X, Z), so in perspective. */
  ground(x: number, i: number, cls: number, inShadow: boolean): void {
    if (cls === GRASS || cls === FLOWER) this.grass(x, cls);
    else if (cls === DIRT) this.dirt(x);
    else this.sand(x, i);
    this.light(this.rgb[0], this.rgb[1], this.rgb[2], inShadow ? 0.15 : this.groundLight, this.haze);
  }

  private grass(x: number, cls: number): void {
    const { look, o, y, Z } = this;
    const X = (x + 0.5 - this.w / 2) / this.s;
    const n1 = sample(this.fbm, X * 10 + o[0], Z * 10 + o[1]);
    const n2 = sample(this.fbm2, X * 60 + o[2], Z * 60 + o[3]);
    // Blades: streaks a few pixels tall, strongest near the viewer.
    const blade = sample(this.white, x + o[4], y * 0.22 + o[5]) - 0.5;
    const dry = smoothstep(0.35, 0.85, n1);
    const k = (0.7 + 0.6 * n2) * (1 + blade * 0.6 * this.near);
    let r = (look.grass[0] + (look.grassDry[0] - look.grass[0]) * dry) * k;
    let g = (look.grass[1] + (look.grassDry[1] - look.grass[1]) * dry) * k;
    let b = (look.grass[2] + (look.grassDry[2] - look.grass[2]) * dry) * k;
    if (cls === FLOWER) {
      // Blossoms as dots on the ground plane: pixel-sized near the viewer, a coloured haze far off.
      const u = X * 110 + o[6];
      const v = Z * 110 + o[7];
      const dot = texel(this.white, u, v);
      if (dot > 0.45) {
        const fl = look.flowers[look.flowers.length > 1 && texel(this.white, u + 211, v + 97) < 0.5 ? 1 : 0];
        const kk = 0.8 + 0.4 * dot;
        r = fl[0] * kk;
        g = fl[1] * kk;
        b = fl[2] * kk;
      } else {
        r *= 0.7;
        g *= 0.75;
        b *= 0.7;
      }
    }
    this.rgb[0] = r;
    this.rgb[1] = g;
    this.rgb[2] = b;
  }

  private dirt(x: number): void {
    const { look, o, y, Z } = this;
    const X = (x + 0.5 - this.w / 2) / this.s;
    const n = sample(this.fbm, X * 30 + o[8], Z * 30 + o[9]);
    const pebble = texel(this.white, X * 160 + o[10], Z * 160 + o[11]);
    const grain = texel(this.white, x + o[2], y + o[3]) - 0.5;
    const k = (0.7 + 0.55 * n) * (pebble > 0.9 ? 1.35 : pebble < 0.08 ? 0.6 : 1) * (1 + grain * 0.15);
    this.rgb[0] = look.dirt[0] * k;
    this.rgb[1] = look.dirt[1] * k;
    this.rgb[2] = look.dirt[2] * k;
  }

  /** Sand: grain, wind ripples, and darker wet sand along the water. */
  private sand(x: number, i: number): void {
    const { look, o, y, Z, s } = this;
    const X = (x + 0.5 - this.w / 2) / s;
    const n = sample(this.fbm2, X * 25 + o[4], Z * 25 + o[5]);
    const grain = texel(this.white, x + o[6], y + o[7]) - 0.5;
    const ripple = Math.sin(Z * 30 + X * 4 + n * 8) * 0.04;
    const wet = 1 - smoothstep(0, 1 + 0.04 * s, this.scene.field[i]);
    const k = (0.88 + 0.22 * n + ripple) * (1 + grain * 0.12) * (1 - 0.38 * wet);
    this.rgb[0] = look.sand[0] * k;
    this.rgb[1] = look.sand[1] * k;
    this.rgb[2] = look.sand[2] * k;
  }
}
