// The Styles panel's webview -> host messages are validated like every other message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../src/shared/protocol';

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
