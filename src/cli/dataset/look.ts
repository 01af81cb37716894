/**
 * The look of a scene: time of day (sky colours, sun colour and height, haze) and the season's
 * colours for each surface, jittered per scene so that one layout never has one fixed picture
 * (variety the style encoder can learn). Colours are linear-ish RGB in [0, 1].
 * No fs, no DOM.
 */
import { Rng } from './noise';

export type Vec3 = [number, number, number];

export type TimeOfDay = 'day' | 'golden' | 'overcast' | 'dusk' | 'haze';

export const TIMES_OF_DAY: readonly TimeOfDay[] = ['day', 'golden', 'overcast', 'dusk', 'haze'];
/** How often each time of day is drawn (same order). */
export const TIME_OF_DAY_WEIGHTS: readonly number[] = [0.45, 0.2, 0.13, 0.1, 0.12];

export interface Look {
  timeOfDay: TimeOfDay;
  zenith: Vec3;
  horizon: Vec3;
  /** Direct light colour times its strength; `ambient` is the sky light in the shadows. */
  sun: Vec3;
  ambient: Vec3;
  /** Sun position for the glow in the sky: fraction of the width, and height above the horizon
   *  as a fraction of the horizon row (above 1: out of the frame). */
  sunX: number;
  sunElev: number;
  glow: number;
  /** How strongly distance fades things into the horizon colour (0..1). */
  haze: number;
  cloudLit: Vec3;
  cloudShade: Vec3;
  mountainNear: Vec3;
  mountainFar: Vec3;
  rock: Vec3;
  snow: Vec3;
  grass: Vec3;
  grassDry: Vec3;
  conifer: Vec3;
  broadleaf: Vec3;
  trunk: Vec3;
  dirt: Vec3;
  sand: Vec3;
  waterDeep: Vec3;
  flowers: Vec3[];
}

const FLOWER_COLOURS: Vec3[] = [
  [0.95, 0.85, 0.15], // yellow
  [0.9, 0.2, 0.2], // red poppies
  [0.65, 0.35, 0.85], // lavender
  [0.97, 0.97, 0.95], // daisies
  [0.95, 0.5, 0.75], // pink
  [0.35, 0.45, 0.95], // blue
];

// By season: lush summer, dry late summer, autumn.
const SEASON_GRASS: readonly Vec3[] = [[0.26, 0.46, 0.15], [0.42, 0.46, 0.2], [0.36, 0.42, 0.17]];
const SEASON_GRASS_DRY: readonly Vec3[] = [[0.45, 0.52, 0.22], [0.6, 0.55, 0.3], [0.55, 0.46, 0.24]];
const SEASON_BROADLEAF: readonly Vec3[] = [[0.12, 0.32, 0.08], [0.18, 0.32, 0.08], [0.72, 0.38, 0.06]];

function pick(rng: Rng, options: readonly Vec3[]): Vec3 {
  return options[rng.int(0, options.length - 1)];
}

function jitter(rng: Rng, c: Vec3, amount: number): Vec3 {
  const k = 1 + rng.range(-amount, amount);
  return [
    c[0] * k * (1 + rng.range(-amount, amount) * 0.5),
    c[1] * k * (1 + rng.range(-amount, amount) * 0.5),
    c[2] * k * (1 + rng.range(-amount, amount) * 0.5),
  ];
}

function scale(c: Vec3, k: number): Vec3 {
  return [c[0] * k, c[1] * k, c[2] * k];
}

function mix(a: Vec3, b: Vec3, t: number): Vec3 {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function makeLook(rng: Rng, tod: TimeOfDay): Look {
  let zenith: Vec3;
  let horizon: Vec3;
  let sun: Vec3;
  let ambient: Vec3;
  let sunElev: number;
  let glow: number;
  let haze: number;
  switch (tod) {
    case 'day':
      zenith = [0.18, 0.42, 0.85];
      horizon = [0.68, 0.82, 0.95];
      sun = [1.0, 0.97, 0.9];
      ambient = [0.42, 0.47, 0.56];
      sunElev = rng.range(1.1, 1.8);
      glow = 0.12;
      haze = rng.range(0.3, 0.55);
      break;
    case 'golden':
      zenith = [0.25, 0.4, 0.72];
      horizon = [1.0, 0.76, 0.48];
      sun = [1.15, 0.82, 0.5];
      ambient = [0.38, 0.36, 0.45];
      sunElev = rng.range(0.45, 1.0);
      glow = 0.45;
      haze = rng.range(0.35, 0.6);
      break;
    case 'overcast':
      zenith = [0.42, 0.52, 0.66];
      horizon = [0.74, 0.78, 0.82];
      sun = [0.45, 0.46, 0.48];
      ambient = [0.55, 0.57, 0.6];
      sunElev = 1.5;
      glow = 0;
      haze = rng.range(0.4, 0.65);
      break;
    case 'dusk':
      zenith = [0.16, 0.2, 0.45];
      horizon = [0.95, 0.55, 0.45];
      sun = [0.95, 0.55, 0.42];
      ambient = [0.3, 0.28, 0.4];
      sunElev = rng.range(0.05, 0.4);
      glow = 0.5;
      haze = rng.range(0.35, 0.6);
      break;
    default:
      zenith = [0.45, 0.6, 0.8];
      horizon = [0.86, 0.88, 0.9];
      sun = [0.95, 0.93, 0.88];
      ambient = [0.5, 0.52, 0.57];
      sunElev = rng.range(1, 1.5);
      glow = 0.15;
      haze = rng.range(0.55, 0.75);
  }
  zenith = jitter(rng, zenith, 0.08);
  horizon = jitter(rng, horizon, 0.05);
  sun = jitter(rng, sun, 0.08);
  // A fully lit surface shows its own colour times `brightness`, whatever the light's colour.
  const brightness = { day: 1.0, golden: 0.95, overcast: 0.9, dusk: 0.72, haze: 0.95 }[tod] * rng.range(0.93, 1.05);
  ambient = jitter(rng, ambient, 0.06);
  const total = (ambient[0] + ambient[1] + ambient[2] + sun[0] + sun[1] + sun[2]) / 3;
  sun = scale(sun, brightness / total);
  ambient = scale(ambient, brightness / total);
  const season = rng.weighted([0.6, 0.25, 0.15]);
  const grass = SEASON_GRASS[season];
  const grassDry = SEASON_GRASS_DRY[season];
  const broadleaf = SEASON_BROADLEAF[season];
  const nf = rng.int(1, 2);
  const flowers: Vec3[] = [];
  for (let i = 0; i < nf; i++) flowers.push(jitter(rng, FLOWER_COLOURS[rng.int(0, FLOWER_COLOURS.length - 1)], 0.05));
  const cloudBase: Vec3 = tod === 'overcast' ? [0.68, 0.7, 0.73] : [1, 1, 1];
  return {
    timeOfDay: tod,
    zenith,
    horizon,
    sun,
    ambient,
    sunX: rng.range(0.1, 0.9),
    sunElev,
    glow,
    haze,
    cloudLit: mix(cloudBase, sun, 0.25),
    cloudShade: mix([0.55, 0.58, 0.66], zenith, 0.3),
    mountainNear: jitter(rng, pick(rng, [[0.26, 0.3, 0.18], [0.36, 0.3, 0.22], [0.3, 0.27, 0.28]]), 0.1),
    mountainFar: mix(jitter(rng, [0.35, 0.38, 0.48], 0.08), horizon, 0.2),
    rock: jitter(rng, pick(rng, [[0.56, 0.54, 0.5], [0.6, 0.56, 0.49], [0.52, 0.52, 0.54]]), 0.06),
    snow: [0.96, 0.97, 1.0],
    grass: jitter(rng, grass, 0.1),
    grassDry: jitter(rng, grassDry, 0.1),
    conifer: jitter(rng, [0.07, 0.2, 0.1], 0.12),
    broadleaf: jitter(rng, broadleaf, 0.12),
    trunk: [0.22, 0.15, 0.1],
    dirt: jitter(rng, pick(rng, [[0.46, 0.36, 0.27], [0.52, 0.42, 0.32], [0.4, 0.33, 0.27]]), 0.06),
    sand: jitter(rng, pick(rng, [[0.86, 0.78, 0.6], [0.9, 0.82, 0.62], [0.8, 0.74, 0.6]]), 0.05),
    waterDeep: jitter(rng, pick(rng, [[0.06, 0.2, 0.34], [0.05, 0.24, 0.3], [0.08, 0.18, 0.32]]), 0.1),
    flowers,
  };
}
