// The host's validation of everything the webview sends and of the settings it forwards
// (src/shared/protocol.ts). The whole path runs in the VS Code integration suites too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBackendPreference, parseMaxPixels, parseWebviewMessage } from '../../src/shared/protocol';
import { DEFAULT_MAX_PIXELS } from '../../src/model/io/png_scan';

test('Styles panel messages: well-formed ones pass, malformed ones are dropped', () => {
  const png = new Uint8Array([1, 2, 3]);
  assert.deepEqual(parseWebviewMessage({ type: 'addStyleImages' }, 4), { type: 'addStyleImages' });
  assert.deepEqual(parseWebviewMessage({ type: 'loadStyleSet', extra: 1 }, 4), { type: 'loadStyleSet' });
  assert.deepEqual(parseWebviewMessage({ type: 'saveStyleSet', text: '{}' }, 4), { type: 'saveStyleSet', text: '{}' });
  assert.equal(parseWebviewMessage({ type: 'saveStyleSet', text: 3 }, 4), null);
  assert.deepEqual(parseWebviewMessage({ type: 'dropStyleImages', uris: ['file:///w/a.png'] }, 4), { type: 'dropStyleImages', uris: ['file:///w/a.png'] });
  for (const uris of [[], 'file:///a.png', [3], Array.from({ length: 65 }, () => 'x')]) assert.equal(parseWebviewMessage({ type: 'dropStyleImages', uris }, 4), null);
  const ok = parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: [png, png.buffer] }, 4);
  assert.ok(ok && ok.type === 'exportFrames' && ok.pngs.length === 2 && ok.pngs[1][2] === 3);
  for (const label of ['../x', 'a/b', '', 'x'.repeat(61), 'a b']) assert.equal(parseWebviewMessage({ type: 'exportFrames', label, pngs: [png] }, 4), null, label);
  assert.equal(parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: [] }, 4), null);
  const anim = parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: [png], apng: png }, 4);
  assert.ok(anim && anim.type === 'exportFrames' && anim.apng?.length === 3);
  assert.equal(parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: [png], apng: 'x' }, 4), null);
  assert.equal(parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: [[1, 2]] }, 4), null);
  assert.equal(parseWebviewMessage({ type: 'exportFrames', label: 'interp', pngs: Array.from({ length: 257 }, () => png) }, 4), null);
});
test('parseMaxPixels takes whole numbers from 1 to 2^32 and nothing else', () => {
  for (const v of [1, 1000, DEFAULT_MAX_PIXELS, 2 ** 32]) assert.equal(parseMaxPixels(v), v);
  for (const v of [0, -1, 1.5, 2 ** 32 + 1, NaN, Infinity, '1000', null, undefined, {}, [100]]) assert.equal(parseMaxPixels(v), null, String(v));
});

test('status messages from the webview may carry the style source; the host checks its type and length', () => {
  const status = { type: 'status', backend: 'webgpu', model: 'm', latencyMs: 12, frames: 3 };
  assert.deepEqual(parseWebviewMessage({ ...status, style: 'style image sea.png' }, 4), { ...status, error: undefined, style: 'style image sea.png' });
  assert.deepEqual(parseWebviewMessage(status, 4), { ...status, error: undefined, style: undefined });
  for (const style of [3, null, 'x'.repeat(301)]) assert.equal(parseWebviewMessage({ ...status, style }, 4), null, String(style));
});
test('spade.inferenceBackend: the five choices, nothing else', () => {
  for (const p of ['auto', 'webgpu', 'webgl', 'wasm', 'cpu']) assert.equal(parseBackendPreference(p), p);
  for (const v of ['WASM', 'gpu', '', 1, null, undefined, ['wasm']]) assert.equal(parseBackendPreference(v), null, String(v));
});

test('exportImage carries the size and style the picture has; copyResult an optional reason', () => {
  const png = new Uint8Array([1, 2, 3]);
  const base = { type: 'exportImage', requestId: 4, png, width: 256, height: 192 };
  const seed = parseWebviewMessage({ ...base, style: { kind: 'seed', seed: 9 } }, 4);
  assert.ok(seed && seed.type === 'exportImage' && seed.width === 256 && seed.height === 192 && seed.style.kind === 'seed');
  assert.deepEqual(parseWebviewMessage({ ...base, style: { kind: 'image', name: 'sea.png' } }, 4), { ...base, style: { kind: 'image', name: 'sea.png' } });
  for (const style of [undefined, { kind: 'seed' }, { kind: 'seed', seed: 1.5 }, { kind: 'image', name: 3 }, { kind: 'z' }]) {
    assert.equal(parseWebviewMessage({ ...base, style }, 4), null, JSON.stringify(style));
  }
  for (const size of [{ width: 0, height: 2 }, { width: 2.5, height: 2 }, { width: 2 ** 15, height: 2 ** 14 }, { width: '2', height: 2 }]) {
    assert.equal(parseWebviewMessage({ ...base, ...size, style: { kind: 'seed', seed: 1 } }, 4), null, JSON.stringify(size));
  }
  assert.deepEqual(parseWebviewMessage({ type: 'copyResult', requestId: 2 }, 4), { type: 'copyResult', requestId: 2 });
  assert.deepEqual(parseWebviewMessage({ type: 'copyResult', requestId: 2, error: 'no' }, 4), { type: 'copyResult', requestId: 2, error: 'no' });
  assert.equal(parseWebviewMessage({ type: 'copyResult', requestId: 2, error: 5 }, 4), null);
  assert.equal(parseWebviewMessage({ type: 'copyResult' }, 4), null);
});
