// Whether two frame requests ask for the same picture (src/webview/same_frame.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameIds, sameStyle } from '../../src/webview/same_frame';

test('the same ids and style are the same picture; any difference is not', () => {
  assert.ok(sameIds(Int32Array.of(1, 2, 3), Int32Array.of(1, 2, 3)));
  assert.ok(!sameIds(Int32Array.of(1, 2, 3), Int32Array.of(1, 2, 4)));
  assert.ok(!sameIds(Int32Array.of(1, 2), Int32Array.of(1, 2, 3)));
  const z = (...v: number[]) => ({ kind: 'z', z: Float32Array.from(v) }) as const;
  assert.ok(sameStyle({ kind: 'seed', seed: 4 }, { kind: 'seed', seed: 4 }));
  assert.ok(!sameStyle({ kind: 'seed', seed: 4 }, { kind: 'seed', seed: 5 }));
  assert.ok(!sameStyle({ kind: 'seed', seed: 4 }, z(4)));
  assert.ok(!sameStyle(z(4), { kind: 'seed', seed: 4 }));
  assert.ok(sameStyle(z(1, 2), z(1, 2)));
  assert.ok(!sameStyle(z(1, 2), z(1, 3)));
  assert.ok(!sameStyle(z(1, 2), z(1, 2, 3)));
});
