/**
 * Regenerates the sample label maps in media/samples/ from the landscapes generator: for each
 * sample, the first scene (seed 2019, index 0, 1, ...) that shows what its name promises.
 * Deterministic, so the committed files can be checked against a rerun.
 *
 *   node --import tsx scripts/make_samples.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLS, makeLayout, type Scene } from '../src/cli/dataset/layout';
import { sceneSeed } from '../src/cli/dataset/noise';
import { encodeLabelMap } from '../src/model/io/label_png';
import { LANDSCAPES } from '../src/model/io/label_sets';

const SEED = 2019;
const SIZE = 256;
const OUT = path.join(__dirname, '..', 'media', 'samples');

/** Share of the picture each class covers. */
function shares(scene: Scene): number[] {
  const n = new Array<number>(LANDSCAPES.names.length).fill(0);
  for (const id of scene.labels) n[id]++;
  return n.map((c) => c / scene.labels.length);
}

const SAMPLES: { name: string; what: string; ok: (s: number[], scene: Scene) => boolean }[] = [
  // The editor's default sample: every class, each clearly visible.
  { name: 'landscape', what: 'every class, each at least 0.5 %, and open sky', ok: (s) => s.every((v) => v >= 0.005) && s[CLS.sky] > 0.1 },
  { name: 'lake', what: 'a lake to the horizon under mountains', ok: (s, sc) => sc.lake && s[CLS.water] > 0.25 && s[CLS.mountain] > 0.1 && s[CLS.tree] > 0.02 },
  { name: 'peaks', what: 'snowy peaks with cliffs', ok: (s) => s[CLS.snow] > 0.05 && s[CLS.rock] > 0.03 && s[CLS.mountain] > 0.15 && s[CLS.sky] > 0.15 },
  { name: 'river', what: 'a river through a meadow with flowers', ok: (s, sc) => !sc.lake && s[CLS.water] > 0.05 && s[CLS.flower] > 0.03 && s[CLS.grass] > 0.25 },
  { name: 'forest', what: 'woods and a path', ok: (s) => s[CLS.tree] > 0.15 && s[CLS.dirt] > 0.01 },
];

fs.mkdirSync(OUT, { recursive: true });
for (const sample of SAMPLES) {
  let index = 0;
  let scene: Scene;
  for (;; index++) {
    if (index > 20_000) throw new Error(`no scene for ${sample.name} (${sample.what})`);
    scene = makeLayout(sceneSeed(SEED, index), SIZE, SIZE);
    if (sample.ok(shares(scene), scene)) break;
  }
  const bytes = encodeLabelMap({ width: SIZE, height: SIZE, ids: Int32Array.from(scene.labels), encoding: { kind: 'gray', bitDepth: 8 } });
  const file = path.join(OUT, `${sample.name}.label.png`);
  fs.writeFileSync(file + '.tmp', bytes);
  fs.renameSync(file + '.tmp', file);
  console.log(`${path.relative(process.cwd(), file)}: seed ${SEED} index ${index} (${sample.what}), ${bytes.length} bytes`);
}
