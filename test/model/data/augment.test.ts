import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  augmentIds,
  augmentRgb,
  drawAugmentation,
  resizedSize,
  sizeProblem,
  targetSize,
  trainingSize,
  type Augmentation,
  type PreprocessMode,
  type PreprocessOptions,
} from '../../../src/model/data/augment';
import { mixSeed, permutation } from '../../../src/model/data/prng';
import { mulberry32 } from '../../../src/model/random';
import { makeConfig } from '../../../src/model/config';
import { throwsInput } from '../../helpers/throws_input';
import { TEST_DIR } from '../../helpers/paths';

const FIXTURE = path.join(TEST_DIR, 'fixtures', 'augment', 'pil_reference.json');

interface PilCase {
  resized: [number, number];
  crop: [number, number, number, number];
  flip: boolean;
  photo: string;
  label: string;
}

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

function opts(mode: PreprocessMode, load = 286, crop = 256, aspect = 1, noFlip = false): PreprocessOptions {
  return { preprocess_mode: mode, load_size: load, crop_size: crop, aspect_ratio: aspect, no_flip: noFlip };
}

test('bicubic photos and nearest labels match Pillow exactly (resize, crop, flip as NVlabs does)', () => {
  const ref = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { width: number; height: number; photo: string; label: string; cases: PilCase[] };
  const photo = bytes(ref.photo);
  const label = bytes(ref.label);
  for (const c of ref.cases) {
    const [x, y, width, height] = c.crop;
    const aug: Augmentation = {
      src: { width: ref.width, height: ref.height },
      resized: { width: c.resized[0], height: c.resized[1] },
      crop: { x, y, width, height },
      flip: c.flip,
    };
    const out = new Float32Array(width * height * 3);
    augmentRgb(photo, aug, out);
    const want = bytes(c.photo);
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(Math.round((out[i] + 1) * 127.5) - want[i]));
    assert.equal(worst, 0, `photo case ${JSON.stringify(c.resized)} crop ${c.crop}: worst difference ${worst} levels`);
    assert.ok(out.every((v) => v >= -1 && v <= 1));
    assert.deepEqual(augmentIds(label, aug), bytes(c.label), `label case ${JSON.stringify(c.resized)}`);
  }
});

test('resize arithmetic of every preprocess_mode follows NVlabs (floor divisions, round half to even)', () => {
  const at = (mode: PreprocessMode, w: number, h: number, load = 256, crop = 256, aspect = 1) =>
    resizedSize(opts(mode, load, crop, aspect), { width: w, height: h });
  assert.deepEqual(at('resize_and_crop', 300, 200, 286), { width: 286, height: 286 });
  assert.deepEqual(at('crop', 300, 200), { width: 300, height: 200 });
  // scale_width: h = int(256 * 200 / 300) = 170; unchanged when the width already is load_size
  assert.deepEqual(at('scale_width', 300, 200), { width: 256, height: 170 });
  assert.deepEqual(at('scale_width_and_crop', 256, 999), { width: 256, height: 999 });
  assert.deepEqual(at('scale_width_and_crop', 1000, 999, 512), { width: 512, height: 511 });
  // scale_shortside: short side to load_size, long side int(256 * 300 / 200) = 384
  assert.deepEqual(at('scale_shortside', 300, 200), { width: 384, height: 256 });
  assert.deepEqual(at('scale_shortside_and_crop', 200, 301), { width: 256, height: 385 });
  // fixed: (crop_size, round(crop_size / aspect_ratio)), half to even: 250 / 4 = 62.5 -> 62
  assert.deepEqual(at('fixed', 17, 999, 256, 250, 4), { width: 250, height: 62 });
  assert.deepEqual(at('fixed', 17, 999, 256, 512, 2), { width: 512, height: 256 });
  // none: to multiples of 32 with Python's round: 48/32 = 1.5 -> 2, 80/32 = 2.5 -> 2, 112/32 = 3.5 -> 4
  assert.deepEqual(at('none', 48, 80), { width: 64, height: 64 });
  assert.deepEqual(at('none', 112, 257), { width: 128, height: 256 });
});

test('the crop window is the generator size; sizes that cannot give it are refused with a reason', () => {
  assert.deepEqual(targetSize({ crop_size: 256, aspect_ratio: 2 }), { width: 256, height: 128 });
  assert.equal(sizeProblem(opts('crop', 286, 256), { width: 300, height: 255 }), '300x255 is smaller than the 256x256 crop');
  assert.match(sizeProblem(opts('scale_width_and_crop', 256, 256), { width: 400, height: 300 }) ?? '', /400x300, resized to 256x192 by scale_width_and_crop, is smaller than the 256x256 crop/);
  assert.equal(sizeProblem(opts('resize_and_crop', 286, 256), { width: 10, height: 5000 }), null);
  assert.match(sizeProblem(opts('scale_width', 256, 256), { width: 512, height: 384 }) ?? '', /becomes 256x192 under preprocess_mode 'scale_width', not the 256x256/);
  assert.equal(sizeProblem(opts('scale_width', 256, 256, 2), { width: 512, height: 256 }), null);
  assert.equal(sizeProblem(opts('fixed', 1, 256, 2), { width: 3, height: 7 }), null);
  // the generator's own size: crop 250 with 5 upsamplings makes 224x224 images
  assert.deepEqual(trainingSize(makeConfig({ crop_size: 256, aspect_ratio: 2 })), { width: 256, height: 128 });
  throwsInput(() => trainingSize(makeConfig({ crop_size: 250 })), /generator makes 224x224.*multiples of 32/);
  throwsInput(() => drawAugmentation(opts('crop'), { width: 100, height: 100 }, mulberry32(1)), /smaller than the 256x256 crop/);
});

test('crop positions cover the whole valid range uniformly; flips are a fair coin unless no_flip', () => {
  const o = opts('resize_and_crop', 260, 256);
  const xs = new Map<number, number>();
  let flips = 0;
  const N = 5000;
  for (let i = 0; i < N; i++) {
    const a = drawAugmentation(o, { width: 50, height: 70 }, mulberry32(mixSeed(7, 0, i)));
    xs.set(a.crop.x, (xs.get(a.crop.x) ?? 0) + 1);
    assert.ok(a.crop.y >= 0 && a.crop.y <= 4);
    assert.deepEqual([a.crop.width, a.crop.height], [256, 256]);
    if (a.flip) flips++;
  }
  assert.deepEqual([...xs.keys()].sort(), [0, 1, 2, 3, 4]);
  for (const n of xs.values()) assert.ok(Math.abs(n - N / 5) < 150, `crop x counts ${[...xs.values()]}`);
  assert.ok(Math.abs(flips - N / 2) < 150, `flips ${flips}`);
  for (let i = 0; i < 200; i++) assert.equal(drawAugmentation(opts('crop', 1, 8, 1, true), { width: 9, height: 9 }, mulberry32(i)).flip, false);
  // modes without a crop keep the whole resized picture
  const fixed = drawAugmentation(opts('fixed', 1, 64, 2), { width: 300, height: 77 }, mulberry32(3));
  assert.deepEqual(fixed.crop, { x: 0, y: 0, width: 64, height: 32 });
});

test('one draw moves photo and label together: a label of x-coordinates tracks a photo of x-coordinates', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.integer({ min: 8, max: 40 }),
      fc.integer({ min: 8, max: 40 }),
      (seed, w, h) => {
        // Photo red channel = x, green = y (exact under crop and flip, since 'crop' does not resample).
        const rgb = new Uint8Array(w * h * 3);
        const xid = new Uint16Array(w * h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            rgb[(y * w + x) * 3] = x;
            rgb[(y * w + x) * 3 + 1] = y;
            xid[y * w + x] = x + 1000 * y;
          }
        }
        const a = drawAugmentation(opts('crop', 1, 8), { width: w, height: h }, mulberry32(seed));
        const ids = augmentIds(xid, a);
        const img = new Float32Array(64 * 3);
        augmentRgb(rgb, a, img);
        for (let oy = 0; oy < 8; oy++) {
          for (let ox = 0; ox < 8; ox++) {
            const sx = a.crop.x + (a.flip ? 7 - ox : ox);
            const sy = a.crop.y + oy;
            const i = oy * 8 + ox;
            if (ids[i] !== sx + 1000 * sy) return false;
            if (Math.round((img[i * 3] + 1) * 127.5) !== sx || Math.round((img[i * 3 + 1] + 1) * 127.5) !== sy) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 200, seed: Number(process.env.SPADE_FUZZ_SEED ?? 20261125) },
  );
});

test('resized labels keep only ids that were there (nearest), and flip mirrors the unflipped result', () => {
  const w = 23;
  const h = 17;
  const ids = Int32Array.from({ length: w * h }, (_, i) => (i * 7919) % 13);
  const base: Augmentation = {
    src: { width: w, height: h },
    resized: { width: 61, height: 40 },
    crop: { x: 5, y: 3, width: 32, height: 32 },
    flip: false,
  };
  const plain = augmentIds(ids, base);
  const flipped = augmentIds(ids, { ...base, flip: true });
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) assert.equal(flipped[y * 32 + x], plain[y * 32 + 31 - x]);
  const present = new Set(ids);
  assert.ok(plain.every((v) => present.has(v)));
});

test('the PRNG streams are pure functions of (seed, ids): reproducible, distinct, and permutations are complete', () => {
  const draw = (seed: number, ...ids: number[]) => Array.from({ length: 4 }, mulberry32(mixSeed(seed, ...ids)));
  assert.deepEqual(draw(5, 1, 2), draw(5, 1, 2));
  assert.notDeepEqual(draw(5, 1, 2), draw(5, 2, 1));
  assert.notDeepEqual(draw(5, 1), draw(6, 1));
  assert.notDeepEqual(draw(2 ** 40), draw(0)); // high bits of large seeds count
  const p = permutation(100, mulberry32(9));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 100 }, (_, i) => i));
});
