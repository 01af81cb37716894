// The latency trace's validation and formatting (src/shared/preview_trace.ts); the host runs every
// trace the webview sends through parsePreviewTrace (and the protocol's 'trace' message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTrace, frameMs, parsePreviewTrace, waitMs, type PreviewTrace } from '../../src/shared/preview_trace';
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
