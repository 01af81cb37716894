// The frame scheduler: urgent requests go at once, others at most once per interval, folded together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameScheduler } from '../../src/webview/frame_scheduler';

function setup(intervalMs: number) {
  let now = 1000;
  const sent: number[] = [];
  const s = new FrameScheduler(intervalMs, () => sent.push(now), () => now);
  return { s, sent, advance: (ms: number) => (now += ms) };
}

test('urgent requests go at once, however often', () => {
  const { s, sent, advance } = setup(40);
  s.request(true);
  advance(1);
  s.request(true);
  assert.deepEqual(sent, [1000, 1001]);
});

test('a request after a quiet interval goes at once; one inside it waits, and later ones fold into it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { s, sent, advance } = setup(40);
  s.request(false);
  assert.deepEqual(sent, [1000]);
  advance(10);
  s.request(false);
  s.request(false);
  assert.equal(sent.length, 1, 'waits out the interval');
  advance(30);
  t.mock.timers.tick(30);
  assert.deepEqual(sent, [1000, 1040]);
  t.mock.timers.tick(100);
  assert.equal(sent.length, 2, 'the folded requests went once');
});

test('an urgent request replaces a waiting one', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { s, sent, advance } = setup(250);
  s.request(true);
  advance(5);
  s.request(false);
  s.request(true);
  assert.deepEqual(sent, [1000, 1005]);
  t.mock.timers.tick(1000);
  assert.equal(sent.length, 2, 'the waiting request was dropped');
});
