// The page's trace recorder (src/webview/preview_trace.ts): which frame ends which trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceRecorder, traceNow } from '../../src/webview/preview_trace';
import type { PreviewTrace } from '../../src/shared/preview_trace';

test('an open trace takes the host marks, the page start and the backend, and ends at the first painted frame', () => {
  const sent: PreviewTrace[] = [];
  const r = new TraceRecorder((t) => sent.push(t));
  const t0 = traceNow();
  r.backendReady(t0 + 1);
  r.beginOpen('m.safetensors', { open: t0 - 100, modelRead: t0 - 90, initSent: t0 - 80 });
  r.mark('open', 'weightsOnDevice', t0 + 5);
  r.framePainted(1, {}, 'wasm', false); // no frame asked for yet: nothing ends
  assert.equal(sent.length, 0);
  r.frameSent(3);
  r.framePainted(2, {}, 'wasm', false); // an older frame (of another mask)
  assert.equal(sent.length, 0);
  r.framePainted(4, { frameStarted: t0 + 10, frameDone: t0 + 20 }, 'wasm', false); // a newer one covers it
  assert.equal(sent.length, 1);
  const t = sent[0];
  assert.equal(t.kind, 'open');
  assert.equal(t.backend, 'wasm');
  for (const k of ['open', 'modelRead', 'initSent', 'pageStart', 'initReceived', 'backendReady', 'weightsOnDevice', 'maskSent', 'frameStarted', 'frameDone', 'painted'] as const) {
    assert.ok(t.marks[k] !== undefined, k);
  }
  assert.equal(t.marks.backendReady, t0 + 1);
  assert.deepEqual(r.last.open, t);
  // The page's own start-up belongs to its first open only.
  r.beginOpen('n.safetensors', {});
  r.frameSent(5);
  r.framePainted(5, {}, 'wasm', false);
  assert.equal(sent[1].marks.pageStart, undefined);
  assert.equal(sent[1].marks.backendReady, undefined);
});

test('a stroke trace waits for the frame asked for after pointer-up; a failure abandons it', () => {
  const sent: PreviewTrace[] = [];
  const r = new TraceRecorder((t) => sent.push(t));
  r.frameSent(1); // a drag frame, before the stroke ended
  r.beginStroke('m');
  r.framePainted(1, {}, 'wasm', true);
  assert.equal(sent.length, 0, 'the drag frame does not show the whole stroke');
  r.frameSent(2);
  r.framePainted(2, { frameStarted: 1, frameDone: 2 }, 'wasm', true);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].kind, 'stroke');
  assert.equal(sent[0].dirty, true);
  assert.ok(sent[0].marks.pointerUp! <= sent[0].marks.maskSent! && sent[0].marks.maskSent! <= sent[0].marks.painted!);
  r.beginStroke('m');
  r.frameSent(3);
  r.abandon();
  r.framePainted(3, {}, 'wasm', true);
  assert.equal(sent.length, 1);
});
