/**
 * The default model's README figure, docs/default_model.png: each sample label map in
 * media/samples (coloured with the landscapes palette) above the picture the default model
 * synthesizes for it through `spade synth` (seed 1: z ~ N(0, I)).
 *
 *   npm run build && node --import tsx scripts/make_model_figure.ts [--checkpoint <c>]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { decode, encode } from 'fast-png';
import { decodeLabelMap } from '../src/model/io/label_png';
import { LANDSCAPES } from '../src/model/io/label_sets';

const root = path.join(__dirname, '..');
const { values } = parseArgs({ options: { checkpoint: { type: 'string' } } });
const samples = fs.readdirSync(path.join(root, 'media', 'samples')).filter((f) => f.endsWith('.label.png')).sort();
const S = 256;
const GAP = 6;
const W = samples.length * (S + GAP) - GAP;
const H = 2 * S + GAP;
const rgba = new Uint8Array(W * H * 4).fill(255);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-figure-'));
samples.forEach((name, k) => {
  const file = path.join(root, 'media', 'samples', name);
  const map = decodeLabelMap(new Uint8Array(fs.readFileSync(file)), file);
  const out = path.join(tmp, `${k}.png`);
  const ck = values.checkpoint ? ['--checkpoint', values.checkpoint] : [];
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'synth', ...ck, '--label', file, '--seed', '1', '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`spade synth ${name} failed: ${r.stderr}`);
  const img = decode(fs.readFileSync(out));
  const x0 = k * (S + GAP);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const c = LANDSCAPES.colors[map.ids[y * S + x]] ?? [0, 0, 0];
      rgba.set([c[0], c[1], c[2], 255], (y * W + x0 + x) * 4);
      const src = (y * S + x) * img.channels;
      rgba.set([img.data[src], img.data[src + 1], img.data[src + 2], 255], ((y + S + GAP) * W + x0 + x) * 4);
    }
  }
  console.log(`${name}: ${r.stdout.trim().split('\n').pop()}`);
});
fs.rmSync(tmp, { recursive: true, force: true });
const target = path.join(root, 'docs', 'default_model.png');
fs.writeFileSync(target, encode({ width: W, height: H, data: rgba, channels: 4 }));
console.log(`wrote ${target} (${W}x${H})`);
