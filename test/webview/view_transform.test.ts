// Zoom and pan as numbers: fit, zoom about a point, and the pan limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampPan, fitView, MAX_SCALE, scaleAboutCentre, stackVertically, wheelZoomFactor, zoomAt } from '../../src/webview/view_transform';

test('fit centres the whole map, in whole multiples when magnifying', () => {
  assert.deepEqual(fitView(100, 50, 500, 400), { scale: 5, ox: 0, oy: 75 });
  assert.deepEqual(fitView(64, 64, 300, 200), { scale: 3, ox: 54, oy: 4 });
  const small = fitView(1000, 1000, 300, 300);
  assert.equal(small.scale, 0.3);
});

test('zooming keeps the map point under the pointer fixed', () => {
  const v = { scale: 2, ox: 10, oy: 20 };
  const px = 110;
  const py = 60;
  const before = { x: (px - v.ox) / v.scale, y: (py - v.oy) / v.scale };
  const z = zoomAt(v, 3, px, py);
  assert.equal(z.scale, 6);
  assert.deepEqual({ x: (px - z.ox) / z.scale, y: (py - z.oy) / z.scale }, before);
});

test('zoom stops at its limits', () => {
  assert.equal(zoomAt({ scale: 40, ox: 0, oy: 0 }, 10, 0, 0).scale, MAX_SCALE);
});

test('1:1 is one mask pixel per CSS pixel about the centre', () => {
  const v = scaleAboutCentre({ scale: 4, ox: 0, oy: 0 }, 1, 200, 100);
  assert.deepEqual(v, { scale: 1, ox: 75, oy: 37.5 });
});

test('panning cannot push the map out of the pane', () => {
  const v = clampPan({ scale: 2, ox: -1000, oy: 5000 }, 100, 100, 300, 300);
  assert.equal(v.ox, 32 - 200);
  assert.equal(v.oy, 300 - 32);
});

test('wheel up zooms in, down zooms out, by the same factor', () => {
  const a = wheelZoomFactor(-100, 0);
  const b = wheelZoomFactor(100, 0);
  assert.ok(a > 1 && b < 1);
  assert.ok(Math.abs(a * b - 1) < 1e-12);
});

test('side by side stacks the panes when a column shows the map larger than a row', () => {
  assert.equal(stackVertically(256, 256, 486, 633, 10), true);
  assert.equal(stackVertically(256, 256, 1200, 600, 10), false);
  assert.equal(stackVertically(512, 128, 600, 600, 10), true);
});
