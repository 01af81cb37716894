// The latency trace's validation and formatting (src/shared/preview_trace.ts); the host runs every
// trace the webview sends through parsePreviewTrace (and the protocol's 'trace' message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstFrameMs, firstPainted, formatTrace, frameMs, parsePreviewTrace, waitMs, type PreviewTrace } from '../../src/shared/preview_trace';
import { parseWebviewMessage } from '../../src/shared/protocol';

const now = 1_800_000_000_000;
const good: PreviewTrace = {
  kind: 'stroke',
  model: 'default.safetensors',
  backend: 'wasm',
  dirty: true,
  marks: {
    pointerUp: now,
    maskSent: now + 2,
    maskReceived: now + 3,
    frameStarted: now + 5,
    frameDone: now + 305,
    painted: now + 320,
  },
};

test('a well-formed trace passes and its spans are read from its marks', () => {
  const t = parsePreviewTrace(good, now);
  assert.deepEqual(t, good);
  assert.equal(waitMs(t!), 320);
  assert.equal(frameMs(t!), 300);
  const open = parsePreviewTrace({ kind: 'open', model: 'm', backend: 'wasm', marks: { open: now, frameStarted: now + 10 } }, now);
  assert.equal(waitMs(open!), null, 'no picture yet');
});

test('malformed traces are refused', () => {
  const bad: unknown[] = [
    null,
    'trace',
    { ...good, kind: 'scroll' },
    { ...good, model: 3 },
    { ...good, model: 'x'.repeat(201) },
    { ...good, backend: undefined },
    { ...good, dirty: 'yes' },
    { ...good, marks: null },
    { ...good, marks: { pointerUp: now, unknownMark: now } },
    { ...good, marks: { pointerUp: Number.NaN } },
    { ...good, marks: { pointerUp: '1' } },
    { ...good, marks: { pointerUp: now - 2 * 24 * 3600 * 1000 } },
  ];
  for (const b of bad) assert.equal(parsePreviewTrace(b, now), null, JSON.stringify(b));
});

test('the protocol carries a trace only when it is valid', () => {
  const t = { ...good, marks: { pointerUp: Date.now(), painted: Date.now() + 1 } };
  assert.deepEqual(parseWebviewMessage({ type: 'trace', trace: t }, 4), { type: 'trace', trace: t });
  assert.equal(parseWebviewMessage({ type: 'trace', trace: { ...t, kind: 'x' } }, 4), null);
  assert.equal(parseWebviewMessage({ type: 'trace' }, 4), null);
});

test('formatTrace lists the marks in time order, from the wait\'s start', () => {
  const lines = formatTrace(good);
  assert.match(lines[0], /^stroke → picture: 320 ms \(frame 300 ms, dirty region; wasm, default\.safetensors\)$/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.trim().split(/\s+/)[0]),
    ['pointerUp', 'maskSent', 'maskReceived', 'frameStarted', 'frameDone', 'painted'],
  );
  assert.match(lines[lines.length - 1], /painted\s+320 ms\s+\(\+15 ms\)/);
});

test('an open whose first picture came from the host waits until that picture, and its frame is the host\'s', () => {
  const marks = {
    open: now, hostFrameStarted: now + 40, hostFrameDone: now + 700, hostPicturePainted: now + 730,
    frameStarted: now + 2000, frameDone: now + 3500, painted: now + 3510,
  };
  const t: PreviewTrace = { kind: 'open', model: 'default.safetensors', backend: 'wasm', marks };
  assert.deepEqual(parsePreviewTrace(t, now), t);
  assert.equal(firstPainted(t), 'hostPicturePainted');
  assert.equal(waitMs(t), 730);
  assert.equal(firstFrameMs(t), 660);
  assert.equal(frameMs(t), 1500, 'the page\'s own frame is still there');
  assert.match(formatTrace(t)[0], /^open → picture: 730 ms \(frame 660 ms; first picture from the host, default\.safetensors\)$/);
  // The page's own picture came first: the host's is not the first.
  const late = { ...t, marks: { ...marks, hostPicturePainted: now + 4000 } };
  assert.equal(firstPainted(late), 'painted');
  assert.equal(waitMs(late), 3510);
  assert.equal(firstFrameMs(late), 1500);
});
