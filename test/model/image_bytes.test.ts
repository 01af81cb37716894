import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rgbaBytes, rgbBytes, toByte } from '../../src/model/image_bytes';

test('[-1, 1] maps to 0..255 with rounding; out-of-range values clamp and NaN is 0', () => {
  assert.deepEqual([-1, 0, 1, -1 + 1 / 127.5, 0.5].map(toByte), [0, 128, 255, 1, 191]);
  assert.deepEqual([-3, 2, Infinity, -Infinity, NaN].map(toByte), [0, 255, 255, 0, 0]);
  // Every 8-bit level survives the trip through [-1, 1], as photos take it.
  for (let b = 0; b < 256; b++) assert.equal(toByte(Math.fround(b / 127.5 - 1)), b);
});

test('RGB and opaque RGBA buffers hold the same levels', () => {
  const data = new Float32Array([-1, 0, 1, 0.25, -0.25, 2]);
  assert.deepEqual([...rgbBytes(data)], [0, 128, 255, 159, 96, 255]);
  assert.deepEqual([...rgbaBytes(data)], [0, 128, 255, 255, 159, 96, 255, 255]);
});
