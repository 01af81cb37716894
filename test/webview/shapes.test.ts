// The shape rasterizers: exactly which mask pixels a line, rectangle, polygon and disc name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constrainAngle, dab, polygon, rect, thickLine, type PixelSink } from '../../src/webview/shapes';

/** A sink that records pixels as a picture of '#' and '.', one string per row. */
function grid(width: number, height: number) {
  const on = new Uint8Array(width * height);
  const sink: PixelSink = {
    width,
    height,
    plot: (x, y) => {
      assert.ok(x >= 0 && y >= 0 && x < width && y < height, `plot outside the map at ${x},${y}`);
      on[y * width + x] = 1;
    },
  };
  const rows = () => Array.from({ length: height }, (_, y) => Array.from(on.subarray(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''));
  return { sink, rows };
}

test('a rectangle covers both corner pixels and everything between, in any drag direction', () => {
  const g = grid(6, 4);
  rect(g.sink, { x: 4, y: 2 }, { x: 1, y: 1 });
  assert.deepEqual(g.rows(), ['......', '.####.', '.####.', '......']);
});

test('a rectangle dragged past the edge is clipped to the map', () => {
  const g = grid(4, 3);
  rect(g.sink, { x: -5, y: 1 }, { x: 9, y: 9 });
  assert.deepEqual(g.rows(), ['....', '####', '####']);
});

test('a one-pixel line is a connected run from start to end, both included', () => {
  const g = grid(7, 3);
  thickLine(g.sink, { x: 1, y: 1 }, { x: 5, y: 1 }, 1);
  assert.deepEqual(g.rows(), ['.......', '.#####.', '.......']);
});

test('a line of width 3 is three rows thick', () => {
  const g = grid(7, 5);
  thickLine(g.sink, { x: 2, y: 2 }, { x: 4, y: 2 }, 3);
  assert.deepEqual(g.rows(), ['.......', '.#####.', '.#####.', '.#####.', '.......']);
});

test('Shift snaps a line to the nearest of 0, 45 and 90 degrees', () => {
  const a = { x: 10, y: 10 };
  assert.deepEqual(constrainAngle(a, { x: 20, y: 12 }), { x: 20, y: 10 });
  assert.deepEqual(constrainAngle(a, { x: 11, y: 2 }), { x: 10, y: 2 });
  assert.deepEqual(constrainAngle(a, { x: 17, y: 4 }), { x: 17, y: 3 });
  assert.deepEqual(constrainAngle(a, { x: 4, y: 15 }), { x: 4, y: 16 });
});

test('a polygon fills its inside and its outline through the clicked pixels', () => {
  const g = grid(7, 7);
  polygon(g.sink, [{ x: 3, y: 0 }, { x: 6, y: 3 }, { x: 3, y: 6 }, { x: 0, y: 3 }]);
  assert.deepEqual(g.rows(), ['...#...', '..###..', '.#####.', '#######', '.#####.', '..###..', '...#...']);
});

test('a lasso drawn round and past the whole map fills all of it and plots nothing outside', () => {
  const g = grid(5, 5);
  polygon(g.sink, [{ x: -3, y: -3 }, { x: 8, y: -3 }, { x: 8, y: 8 }, { x: -3, y: 8 }]);
  assert.deepEqual(g.rows(), ['#####', '#####', '#####', '#####', '#####']);
});

test('a disc of size 1 is one pixel; size 3 is a full 3x3 block', () => {
  const g = grid(5, 5);
  dab(g.sink, 0, 0, 1);
  dab(g.sink, 3, 3, 3);
  assert.deepEqual(g.rows(), ['#....', '.....', '..###', '..###', '..###']);
});
