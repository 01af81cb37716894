// Per-region style's image-space composite: exact pictures away from the region's border, a
// cross-fade across it, and the class indicator resized as the generator resizes its segmap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composite, regionAlpha } from '../../../src/webview/styles/region_composite';

test('regionAlpha: the class indicator at the output size, softened by a box blur', () => {
  // 8x4 mask, class 2 in the left half; output 4x2 (downsampled by 2, nearest).
  const ids = Int32Array.from({ length: 32 }, (_, i) => (i % 8 < 4 ? 2 : 5));
  assert.deepEqual(Array.from(regionAlpha(ids, 8, 4, 2, 4, 2, 0)), [1, 1, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(regionAlpha(ids, 8, 4, 7, 4, 2, 0)), [0, 0, 0, 0, 0, 0, 0, 0]);
  // Upsampled to 16 wide with radius 2: 1 deep inside, 0 far outside, a ramp across x = 8.
  const a = regionAlpha(ids, 8, 4, 2, 16, 1, 2);
  assert.equal(a[0], 1);
  assert.equal(a[15], 0);
  assert.deepEqual(Array.from(a.slice(5, 11), (v) => +v.toFixed(2)), [1, 0.8, 0.6, 0.4, 0.2, 0]);
});

test('composite blends by alpha and keeps alpha 255', () => {
  const base = Uint8ClampedArray.from([0, 0, 0, 9, 100, 100, 100, 9]);
  const region = Uint8ClampedArray.from([200, 100, 50, 9, 0, 0, 0, 9]);
  assert.deepEqual(Array.from(composite(base, region, Float32Array.from([1, 0.25]))), [200, 100, 50, 255, 75, 75, 75, 255]);
});
