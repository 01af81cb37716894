// The export's upsampling: bilinear with aligned pixel centres, checked against values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeBilinear } from '../../src/webview/upsample';

const grey = (...v: number[]) => Uint8ClampedArray.from(v.flatMap((x) => [x, x, x, 255]));
const channel0 = (rgba: Uint8ClampedArray) => Array.from(rgba.filter((_, i) => i % 4 === 0));

test('2 → 4 pixels: source centres at -0.25 (clamped), 0.25, 0.75 and 1.25 (clamped)', () => {
  // x_src = (x + 0.5) / 2 - 0.5: 0 → a, 0.25 → 0.75a + 0.25b, 0.75 → 0.25a + 0.75b, 1 → b.
  assert.deepEqual(channel0(resizeBilinear(grey(0, 200), 2, 1, 4, 1)), [0, 50, 150, 200]);
});

test('both axes: a 2x2 picture to 4x4 is the outer product of the 1-D weights', () => {
  const out = resizeBilinear(grey(0, 100, 100, 200), 2, 2, 4, 4);
  const w = [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]];
  const src = [[0, 100], [100, 200]];
  const want: number[] = [];
  for (const [a0, a1] of w) {
    for (const [b0, b1] of w) {
      want.push(Math.round(a0 * (b0 * src[0][0] + b1 * src[0][1]) + a1 * (b0 * src[1][0] + b1 * src[1][1])));
    }
  }
  assert.deepEqual(channel0(out), want);
  assert.ok(out.every((v, i) => i % 4 !== 3 || v === 255), 'opaque stays opaque');
});

test('a uniform picture stays uniform at any size, and the same size is an exact copy', () => {
  const flat = new Uint8ClampedArray(3 * 5 * 4).fill(77);
  assert.ok(resizeBilinear(flat, 3, 5, 7, 11).every((v) => v === 77));
  const pic = Uint8ClampedArray.from({ length: 6 * 4 * 4 }, (_, i) => (i * 37) % 256);
  const same = resizeBilinear(pic, 6, 4, 6, 4);
  assert.deepEqual(same, pic);
  assert.notEqual(same, pic, 'a copy, not the same array');
});

test('an exact doubling keeps every source pixel inside the range of its neighbours', () => {
  const pic = Uint8ClampedArray.from({ length: 4 * 4 * 4 }, (_, i) => (i * 53) % 256);
  const out = resizeBilinear(pic, 4, 4, 8, 8);
  assert.equal(out.length, 8 * 8 * 4);
  // The corners sit on clamped taps: each equals its source corner exactly.
  assert.deepEqual(Array.from(out.slice(0, 4)), Array.from(pic.slice(0, 4)));
  assert.deepEqual(Array.from(out.slice(-4)), Array.from(pic.slice(-4)));
});

test('a picture whose length does not match its size is refused', () => {
  assert.throws(() => resizeBilinear(new Uint8ClampedArray(8), 3, 1, 6, 2), /8 bytes for 3x1/);
});
