// spade.maxPixels reaches decodeStyleImage (src/model/io/style_image.ts), which refuses a style
// image over it from the header.
import { test } from 'node:test';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import assert from 'node:assert/strict';
import { parseMaxPixels } from '../../../src/shared/protocol';
import { decodeStyleImage } from '../../../src/model/io/style_image';
import { throwsInput } from '../../helpers/throws_input';

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
