// Bucketed boxes (the dirty-region renderer's crop sizes on GPU backends): they only grow, stay
// on the grid, and take one of a few sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketBox, bucketSize } from '../../../src/model/nn/box';

test('bucketSize: the smallest of 4, 6, 8, 12, 16, 24, ... that holds n', () => {
  assert.deepEqual([1, 4, 5, 6, 7, 8, 9, 13, 17, 25, 33, 100].map(bucketSize), [4, 4, 6, 6, 8, 8, 12, 16, 24, 32, 48, 128]);
  for (let n = 1; n <= 600; n++) {
    const s = bucketSize(n);
    assert.ok(s >= n && s <= Math.max(4, 1.5 * n), `n ${n}: ${s}`);
  }
});

test('bucketBox holds the box, stays on the grid, and its sides are buckets or whole', () => {
  const sizes = new Set<number>();
  for (const [h, w] of [[8, 8], [16, 32], [37, 23], [64, 64]]) {
    for (let y0 = 0; y0 < h; y0 += 3) {
      for (let y1 = y0 + 1; y1 <= h; y1 += 2) {
        for (let x0 = 0; x0 < w; x0 += 5) {
          for (let x1 = x0 + 1; x1 <= w; x1 += 4) {
            const b = bucketBox({ y0, y1, x0, x1 }, h, w);
            const what = `${h}x${w} box ${y0}..${y1} x ${x0}..${x1} -> ${JSON.stringify(b)}`;
            assert.ok(b.y0 <= y0 && b.y1 >= y1 && b.x0 <= x0 && b.x1 >= x1, `holds the box: ${what}`);
            assert.ok(b.y0 >= 0 && b.x0 >= 0 && b.y1 <= h && b.x1 <= w, `on the grid: ${what}`);
            for (const [side, full] of [[b.y1 - b.y0, h], [b.x1 - b.x0, w]]) {
              assert.ok(side === full || side === bucketSize(side), `a bucket or the whole side: ${what}`);
              if (side !== full) sizes.add(side);
            }
          }
        }
      }
    }
  }
  assert.deepEqual([...sizes].sort((a, b) => a - b), [4, 6, 8, 12, 16, 24, 32, 48]);
});
