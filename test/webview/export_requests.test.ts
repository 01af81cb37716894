// Export requests: answered with the picture on screen, or after the frame that is on its way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportRequests, type Picture } from '../../src/webview/export_requests';

const pic = (v: number): Picture => ({ rgba: new Uint8ClampedArray([v, v, v, 255]), width: 1, height: 1 });

test('answered at once when the picture on screen is current', () => {
  const answers: [number, number][] = [];
  const ex = new ExportRequests((id, p) => answers.push([id, p.rgba[0]]), () => false);
  ex.show(pic(7));
  ex.request(1);
  assert.deepEqual(answers, [[1, 7]]);
});

test('while a frame is on its way, or before the first one, requests wait for it', () => {
  const answers: [number, number][] = [];
  let busy = true;
  const ex = new ExportRequests((id, p) => answers.push([id, p.rgba[0]]), () => busy);
  ex.request(1);
  ex.show(pic(1));
  ex.request(2);
  ex.settle();
  assert.deepEqual(answers, [], 'a newer frame is still coming');
  busy = false;
  ex.show(pic(2));
  ex.settle();
  ex.settle();
  assert.deepEqual(answers, [[1, 2], [2, 2]], 'each answered once, with the newest picture');
});

test('a new document clears the picture: requests wait for its first frame', () => {
  const answers: number[] = [];
  const ex = new ExportRequests((id) => answers.push(id), () => false);
  ex.show(pic(1));
  ex.show(null);
  ex.request(5);
  ex.settle();
  assert.deepEqual(answers, []);
  ex.show(pic(3));
  ex.settle();
  assert.deepEqual(answers, [5]);
});
