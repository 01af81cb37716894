/**
 * The README figure, docs/landscapes.jpg: three of the sample label maps (media/samples) beside
 * the pictures the landscapes generator renders for them.
 *
 *   node --import tsx scripts/make_figure.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import { makeLayout } from '../src/cli/dataset/layout';
import { sceneSeed } from '../src/cli/dataset/noise';
import { renderScene } from '../src/cli/dataset/render';
import { LANDSCAPES } from '../src/model/io/label_sets';

// (seed, index) of media/samples/landscape, lake and peaks, as scripts/make_samples.ts picks them.
const SCENES = [[2019, 155], [2019, 104], [2019, 284]];
const S = 256; // rendered at the samples' size, shown at half
const H = S / 2;
const GAP = 6;
const W = SCENES.length * (2 * H + GAP) - GAP;
const data = new Uint8Array(W * H * 4).fill(255);
SCENES.forEach(([seed, index], k) => {
  const scene = makeLayout(sceneSeed(seed, index), S, S);
  const { rgb } = renderScene(scene);
  const x0 = k * (2 * H + GAP);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < H; x++) {
      const c = LANDSCAPES.colors[scene.labels[2 * y * S + 2 * x]];
      data.set([c[0], c[1], c[2], 255], (y * W + x0 + x) * 4);
      const b = (y * W + x0 + H + x) * 4;
      for (let ch = 0; ch < 3; ch++) {
        let v = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) v += rgb[((2 * y + dy) * S + 2 * x + dx) * 3 + ch];
        data[b + ch] = Math.round(v / 4);
      }
      data[b + 3] = 255;
    }
  }
});
const out = path.join(__dirname, '..', 'docs', 'landscapes.jpg');
fs.mkdirSync(path.dirname(out), { recursive: true });
const bytes = jpeg.encode({ width: W, height: H, data }, 85).data;
fs.writeFileSync(out, bytes);
console.log(`wrote ${path.relative(process.cwd(), out)} (${W}x${H}, ${(bytes.length / 1024).toFixed(0)} KiB)`);
