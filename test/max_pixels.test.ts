// spade.maxPixels on its way to the webview's worker (and the style source coming back): the host and the webview validate it with
// parseMaxPixels, and the worker hands it to decodeStyleImage, which refuses a style image over it
// from the header. The whole path runs in the VS Code integration suite (editor_style.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { parseMaxPixels, parseWebviewMessage } from '../src/shared/protocol';
import { decodeStyleImage } from '../src/model/io/style_image';
import { DEFAULT_MAX_PIXELS } from '../src/model/io/label_png';
import { throwsInput } from './helpers/throws_input';

test('parseMaxPixels takes whole numbers from 1 to 2^32 and nothing else', () => {
  for (const v of [1, 1000, DEFAULT_MAX_PIXELS, 2 ** 32]) assert.equal(parseMaxPixels(v), v);
  for (const v of [0, -1, 1.5, 2 ** 32 + 1, NaN, Infinity, '1000', null, undefined, {}, [100]]) assert.equal(parseMaxPixels(v), null, String(v));
});

test('a style image over the limit is refused, naming the file; at the limit it decodes', () => {
  const rgb = new Uint8Array(20 * 10 * 3).fill(90);
  const png = encodePng({ width: 20, height: 10, data: rgb, channels: 3, depth: 8 });
  const rgba = new Uint8Array(20 * 10 * 4).fill(90);
  const jpg = jpeg.encode({ width: 20, height: 10, data: rgba }, 90).data;
  for (const [name, bytes] of [['sea.png', png], ['sea.jpg', new Uint8Array(jpg)]] as const) {
    const limit = parseMaxPixels(199)!;
    throwsInput(() => decodeStyleImage(bytes, name, limit), new RegExp(`^${name.replace('.', '\\.')}: .*(200 pixels|more than)`));
    assert.equal(decodeStyleImage(bytes, name, parseMaxPixels(200)!).data.length, 20 * 10 * 3);
  }
});

test('status messages from the webview may carry the style source; the host checks its type and length', () => {
  const status = { type: 'status', backend: 'webgpu', model: 'm', latencyMs: 12, frames: 3 };
  assert.deepEqual(parseWebviewMessage({ ...status, style: 'style image sea.png' }, 4), { ...status, error: undefined, style: 'style image sea.png' });
  assert.deepEqual(parseWebviewMessage(status, 4), { ...status, error: undefined, style: undefined });
  for (const style of [3, null, 'x'.repeat(301)]) assert.equal(parseWebviewMessage({ ...status, style }, 4), null, String(style));
});
