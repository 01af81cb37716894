/**
 * The extension's icon, media/icon.png (128x128, as the Marketplace asks): the sample label map
 * media/samples/landscape.label.png in its class colours above the diagonal, and the picture our
 * default model paints for it (`spade synth`, seed 1) below, so the icon shows what the tool does.
 *
 *   npm run build && node --import tsx scripts/make_icon.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode, encode } from 'fast-png';
import { LANDSCAPES } from '../src/model/io/label_sets';

const root = path.resolve(import.meta.dirname, '..');
const LABEL = path.join(root, 'media', 'samples', 'landscape.label.png');
const OUT = path.join(root, 'media', 'icon.png');
const SIZE = 128;
// Rounded corners, in icon pixels, so the square sits well among other extensions' icons.
const RADIUS = 20;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-icon-'));
const synthFile = path.join(tmp, 'synth.png');
const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'synth', '--label', LABEL, '--seed', '1', '-o', synthFile], { stdio: 'inherit' });
if (r.status !== 0) throw new Error('spade synth failed: run `npm run build` first');
const label = decode(fs.readFileSync(LABEL));
const synth = decode(fs.readFileSync(synthFile));
fs.rmSync(tmp, { recursive: true, force: true });

/** Box-filtered RGB at icon pixel (x, y) from an image `k` times larger. */
type Img = { width: number; data: ArrayLike<number>; channels: number };

function sample(img: Img, x: number, y: number, k: number, colour?: (v: number) => readonly number[]): number[] {
  const sum = [0, 0, 0];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      const i = ((y * k + dy) * img.width + x * k + dx) * img.channels;
      const rgb = colour ? colour(img.data[i]) : [img.data[i], img.data[i + 1], img.data[i + 2]];
      for (let c = 0; c < 3; c++) sum[c] += rgb[c];
    }
  }
  return sum.map((v) => Math.round(v / (k * k)));
}

const k = label.width / SIZE;
const data = new Uint8Array(SIZE * SIZE * 4);
const colour = (id: number) => LANDSCAPES.colors[id] ?? LANDSCAPES.dontcareColor;
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const above = x + y < SIZE - 1;
    const rgb = above ? sample(label, x, y, k, colour) : sample(synth, x, y, synth.width / SIZE);
    // A thin white seam along the diagonal.
    const seam = Math.abs(x + y - (SIZE - 1)) <= 1;
    const cx = Math.min(Math.max(x, RADIUS), SIZE - 1 - RADIUS);
    const cy = Math.min(Math.max(y, RADIUS), SIZE - 1 - RADIUS);
    const inside = Math.hypot(x - cx, y - cy) <= RADIUS;
    data.set([...(seam ? [255, 255, 255] : rgb), inside ? 255 : 0], (y * SIZE + x) * 4);
  }
}
fs.writeFileSync(OUT, encode({ width: SIZE, height: SIZE, data, channels: 4, depth: 8 }));
console.log(`wrote ${path.relative(root, OUT)} (${SIZE}x${SIZE})`);
