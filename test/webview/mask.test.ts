// A stroke's edits on the mask: replace-all, shapes through the stroke, and the index list it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mask, Stroke } from '../../src/webview/mask';
import { rect } from '../../src/webview/shapes';

test('replaceAll changes exactly the pixels of one class and reports them, sorted', () => {
  const mask = new Mask(4, 2, Int32Array.from([1, 2, 1, 3, 2, 1, 1, 0]));
  const s = new Stroke(mask, 5, 'Replace');
  s.replaceAll(1);
  assert.deepEqual(Array.from(mask.ids), [5, 2, 5, 3, 2, 5, 5, 0]);
  assert.deepEqual(Array.from(s.finish()), [0, 2, 5, 6]);
  assert.deepEqual(s.takeDirty(), { x0: 0, y0: 0, x1: 2, y1: 1 });
});

test('a shape drawn through a stroke lists only the pixels whose id changed', () => {
  const mask = new Mask(3, 3, Int32Array.from([7, 7, 0, 7, 0, 0, 0, 0, 0]));
  const s = new Stroke(mask, 7, 'Rectangle');
  rect(s, { x: 0, y: 0 }, { x: 1, y: 1 });
  assert.deepEqual(Array.from(s.finish()), [4]);
  assert.deepEqual(Array.from(mask.ids), [7, 7, 0, 7, 7, 0, 0, 0, 0]);
});

test('a brush drag dabs its start once and the segment after it', () => {
  const mask = new Mask(5, 1, new Int32Array(5));
  const s = new Stroke(mask, 1, 'Brush');
  s.dab(0, 0, 1);
  s.line(0, 0, 3, 0, 1);
  assert.deepEqual(Array.from(mask.ids), [1, 1, 1, 1, 0]);
  assert.equal(s.size, 4);
});
