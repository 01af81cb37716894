// The Styles panel's animated PNG export: valid chunks (CRCs, APNG sequence numbers), every
// frame's pixels recoverable, and the first frame readable by a plain PNG decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzlibSync } from 'fflate';
import { decode as decodePng } from 'fast-png';
import { encodeApng } from '../../../src/webview/styles/apng';
import { crc32 } from '../../../src/model/io/png_crc';

test('crc32 matches the PNG specification check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('encodeApng: chunks, sequence numbers and frames', () => {
  const [w, h] = [5, 3];
  const frames = [0, 1, 2].map((k) =>
    Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 7 + k * 50) % 256)),
  );
  const png = encodeApng(frames, w, h, 150);
  const v = new DataView(png.buffer);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let o = 8; o < png.length; ) {
    const len = v.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    assert.equal(v.getUint32(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
    chunks.push({ type, data });
    o += 12 + len;
  }
  assert.deepEqual(chunks.map((c) => c.type), ['IHDR', 'acTL', 'fcTL', 'IDAT', 'fcTL', 'fdAT', 'fcTL', 'fdAT', 'IEND']);
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.deepEqual([dv(chunks[1].data).getUint32(0), dv(chunks[1].data).getUint32(4)], [3, 0], 'acTL: 3 frames, loop forever');
  const seqs = chunks.filter((c) => c.type === 'fcTL' || c.type === 'fdAT').map((c) => dv(c.data).getUint32(0));
  assert.deepEqual(seqs, [0, 1, 2, 3, 4]);
  const fctl = dv(chunks[4].data);
  assert.deepEqual([fctl.getUint32(4), fctl.getUint32(8), fctl.getUint16(20), fctl.getUint16(22)], [w, h, 150, 1000]);
  const frameData = [chunks[3].data, chunks[5].data.subarray(4), chunks[7].data.subarray(4)];
  frameData.forEach((z, k) => {
    const raw = unzlibSync(z);
    assert.equal(raw.length, h * (1 + w * 3));
    for (let y = 0; y < h; y++) {
      assert.equal(raw[y * (1 + w * 3)], 0, 'filter byte');
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) assert.equal(raw[y * (1 + w * 3) + 1 + x * 3 + c], frames[k][(y * w + x) * 4 + c]);
      }
    }
  });
  const still = decodePng(png);
  assert.deepEqual([still.width, still.height, still.channels], [w, h, 3]);
  assert.equal(still.data[3], frames[0][4], 'default image = frame 0');
  assert.throws(() => encodeApng([], w, h), /at least one frame/);
  assert.throws(() => encodeApng([new Uint8ClampedArray(4)], w, h), /frame 0 has 1 pixels, not 5x3/);
});
