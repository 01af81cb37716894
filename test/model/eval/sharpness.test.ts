// Texture energy (the sharpness figure of `spade eval`): values by hand, scales, and blur lowering the ratio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxDownsample, laplacianEnergy, luma, TextureEnergy } from '../../../src/model/eval/sharpness';

const close = (a: number | null, b: number, msg?: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} vs ${b}`);

/** A grey picture (R = G = B) from luma values. */
function grey(values: number[]): Uint8Array {
  return Uint8Array.from(values.flatMap((v) => [v, v, v]));
}

/** A seeded pseudo-random 8-bit picture. */
function noise(h: number, w: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: h * w * 3 }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** A 3x3 box blur of each channel (edges clamped). */
function blur(rgb: Uint8Array, h: number, w: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++)
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let i = -1; i <= 1; i++)
          for (let j = -1; j <= 1; j++) {
            const rr = Math.min(h - 1, Math.max(0, r + i));
            const cc = Math.min(w - 1, Math.max(0, c + j));
            sum += rgb[(rr * w + cc) * 3 + k];
          }
        out[(r * w + c) * 3 + k] = Math.round(sum / 9);
      }
  return out;
}

test('luma: BT.601 weights on 8-bit RGB', () => {
  const y = luma([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 10, 10], 2, 2);
  close(y[0], 0.299 * 255);
  close(y[1], 0.587 * 255);
  close(y[2], 0.114 * 255);
  close(y[3], 10, 'grey keeps its value');
  assert.throws(() => luma([1, 2, 3], 2, 2), /1 pixels for a 2x2 image/);
});

test('Laplacian energy by hand: a bright centre dot, a ramp, borders left out', () => {
  // 3x3 with a centre of 1: the one interior pixel responds with -4.
  const dot = laplacianEnergy(Float64Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0), 3, 3);
  assert.deepEqual(dot, { sum: 16, count: 1 });
  // 4x4 with one hot pixel at (1,1): interior responses (1,1) -4, (1,2) 1, (2,1) 1, (2,2) 0.
  const y = new Float64Array(16);
  y[5] = 2;
  assert.deepEqual(laplacianEnergy(y, 4, 4), { sum: 4 * (16 + 1 + 1 + 0), count: 4 });
  // A linear ramp has no second derivative; a 2-wide image has no interior.
  assert.deepEqual(laplacianEnergy(Float64Array.from({ length: 12 }, (_, i) => 3 * (i % 4) + 5 * Math.floor(i / 4)), 3, 4), {
    sum: 0,
    count: 2,
  });
  assert.deepEqual(laplacianEnergy(new Float64Array(6), 3, 2), { sum: 0, count: 0 });
});

test('box downsample: 2x2 means, a trailing partial block dropped', () => {
  const y = Float64Array.from({ length: 15 }, (_, i) => i); // 3x5
  const d = boxDownsample(y, 3, 5, 2);
  assert.equal(d.h, 1);
  assert.equal(d.w, 2);
  assert.deepEqual(Array.from(d.y), [(0 + 1 + 5 + 6) / 4, (2 + 3 + 7 + 8) / 4]);
  assert.equal(boxDownsample(y, 3, 5, 1).y, y);
});

test('texture energy of a known picture at both scales, and set means over several pictures', () => {
  // 6x6 grey: a 2x2 block of 100 at rows/cols 2..3. At the pixel scale the interior 4x4 sees the
  // block's edges; at the 2-pixel scale it is a 3x3 with a centre of 100 (one interior pixel, -400).
  const v = new Array(36).fill(0);
  for (const [r, c] of [[2, 2], [2, 3], [3, 2], [3, 3]]) v[r * 6 + c] = 100;
  const px = new TextureEnergy(1);
  px.add(grey(v), 6, 6);
  // Each block pixel: 2 neighbours inside the block, 2 outside: -2*100 -> 40000, x4.
  // Each of the 8 interior pixels beside the block (edge-adjacent to one block pixel): 100 -> 10000.
  close(px.mean(), (4 * 40000 + 8 * 10000) / 16);
  const two = new TextureEnergy(2);
  two.add(grey(v), 6, 6);
  close(two.mean(), 160000);
  // A flat picture adds interior pixels with no energy: the set mean halves.
  two.add(grey(new Array(36).fill(7)), 6, 6);
  close(two.mean(), 80000);
  assert.equal(new TextureEnergy(1).mean(), null, 'nothing seen');
});

test('ratio: 1 for the same pictures, lower for blurred ones, lower still at the pixel scale; null without real energy', () => {
  const h = 32;
  const w = 32;
  const pics = [noise(h, w, 1), noise(h, w, 2)];
  const ratios = [1, 2].map((scale) => {
    const real = new TextureEnergy(scale);
    const same = new TextureEnergy(scale);
    const soft = new TextureEnergy(scale);
    for (const p of pics) {
      real.add(p, h, w);
      same.add(p, h, w);
      soft.add(blur(p, h, w), h, w);
    }
    close(same.ratio(real), 1, `scale ${scale}`);
    const r = soft.ratio(real)!;
    assert.ok(r > 0 && r < 0.5, `blur lowers the ratio at scale ${scale}: ${r}`);
    return r;
  });
  assert.ok(ratios[0] < ratios[1], `blur removes more of the pixel-scale detail: ${ratios[0]} vs ${ratios[1]}`);
  const flat = new TextureEnergy(1);
  flat.add(grey(new Array(16).fill(3)), 4, 4);
  assert.equal(new TextureEnergy(1).ratio(flat), null, 'no synthesized pictures');
  assert.equal(flat.ratio(flat), null, 'real pictures without any texture');
});
