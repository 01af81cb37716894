import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode as fastPngDecode, encode as fastPngEncode } from 'fast-png';
import { zlibSync } from 'fflate';
import { throwsInput } from '../../helpers/throws_input';
// The test's own PNG writer (its CRC is written independently of the reader's).
import { chunk, concat, ihdr, SIGNATURE as SIG } from '../../robustness/png_writer';
import { decodeInstanceMap, decodeLabelMap, encodeLabelMap, type LabelMap } from '../../../src/model/io/label_png';
import { readPngHeader, type RGB } from '../../../src/model/io/png_scan';

// ---------------------------------------------------------------------------------------------
// helpers

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomIds(n: number, maxId: number, seed = 1): Int32Array {
  const r = rng(seed);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = Math.floor(r() * (maxId + 1));
  ids[0] = maxId; // make sure the max is present
  return ids;
}

function palette(n: number): RGB[] {
  return Array.from({ length: n }, (_, i): RGB => [(i * 37) & 255, (i * 91 + 7) & 255, (i * 13 + 200) & 255]);
}

/** A hand-built PNG: signature, IHDR, optional extra chunks, one IDAT with `raw` zlib'd, IEND. */
function handPng(
  width: number,
  height: number,
  depth: number,
  colorType: number,
  raw: Uint8Array,
  extra: Uint8Array[] = [],
): Uint8Array {
  return concat(
    SIG,
    ihdr(width, height, depth, colorType),
    ...extra,
    chunk('IDAT', zlibSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  );
}

function roundTrip(map: LabelMap, palette?: (RGB | undefined)[]): LabelMap {
  const bytes = encodeLabelMap(map);
  const back = decodeLabelMap(bytes, 'x.png', { palette });
  assert.equal(back.width, map.width);
  assert.equal(back.height, map.height);
  assert.deepEqual(back.ids, map.ids);
  return back;
}

// ---------------------------------------------------------------------------------------------
// round trips

test('gray 8-bit round trip keeps ids and encoding', () => {
  const map: LabelMap = { width: 37, height: 23, ids: randomIds(37 * 23, 181), encoding: { kind: 'gray', bitDepth: 8 } };
  const back = roundTrip(map);
  assert.deepEqual(back.encoding, { kind: 'gray', bitDepth: 8 });
});

test('gray 16-bit round trip', () => {
  const map: LabelMap = { width: 19, height: 11, ids: randomIds(19 * 11, 40000, 2), encoding: { kind: 'gray', bitDepth: 16 } };
  const back = roundTrip(map);
  assert.deepEqual(back.encoding, { kind: 'gray', bitDepth: 16 });
});

test('palette 8-bit round trip writes PLTE and keeps it', () => {
  const pal = palette(40);
  const map: LabelMap = { width: 33, height: 9, ids: randomIds(33 * 9, 39, 3), encoding: { kind: 'palette', bitDepth: 8, palette: pal } };
  const bytes = encodeLabelMap(map);
  assert.equal(fastPngDecode(bytes).palette?.length, 40);
  const back = decodeLabelMap(bytes, 'p.png');
  assert.deepEqual(back.ids, map.ids);
  assert.deepEqual(back.encoding, { kind: 'palette', bitDepth: 8, palette: pal });
});

test('rgb colour-coded round trip through the palette', () => {
  const pal = palette(30);
  const map: LabelMap = { width: 21, height: 17, ids: randomIds(21 * 17, 29, 4), encoding: { kind: 'rgb', palette: pal } };
  const bytes = encodeLabelMap(map);
  const png = fastPngDecode(bytes);
  assert.equal(png.channels, 3);
  const back = decodeLabelMap(bytes, 'c.png', { palette: pal });
  assert.deepEqual(back.ids, map.ids);
  assert.equal(back.encoding.kind, 'rgb');
});

for (const depth of [1, 2, 4] as const) {
  test(`gray ${depth}-bit round trip (odd width, padded rows)`, () => {
    const w = 13;
    const h = 5;
    const map: LabelMap = { width: w, height: h, ids: randomIds(w * h, (1 << depth) - 1, depth), encoding: { kind: 'gray', bitDepth: depth } };
    const bytes = encodeLabelMap(map);
    assert.equal(readPngHeader(bytes, 'g.png').bitDepth, depth);
    const back = roundTrip(map);
    assert.deepEqual(back.encoding, { kind: 'gray', bitDepth: depth });
  });

  test(`palette ${depth}-bit round trip (odd width, padded rows)`, () => {
    const n = 1 << depth;
    const pal = palette(n);
    const map: LabelMap = { width: 11, height: 7, ids: randomIds(77, n - 1, 10 + depth), encoding: { kind: 'palette', bitDepth: depth, palette: pal } };
    const bytes = encodeLabelMap(map);
    const h = readPngHeader(bytes, 'p.png');
    assert.equal(h.bitDepth, depth);
    assert.equal(h.colorType, 3);
    const back = roundTrip(map);
    assert.deepEqual(back.encoding, { kind: 'palette', bitDepth: depth, palette: pal });
  });
}

test('encode widens the bit depth when ids no longer fit', () => {
  const ids = Int32Array.from([0, 1, 2, 5]);
  const bytes = encodeLabelMap({ width: 2, height: 2, ids, encoding: { kind: 'gray', bitDepth: 2 } });
  assert.equal(readPngHeader(bytes, 'w.png').bitDepth, 4);
  assert.deepEqual(decodeLabelMap(bytes, 'w.png').ids, ids);
  const pal = palette(4);
  const pbytes = encodeLabelMap({ width: 2, height: 2, ids: Int32Array.from([0, 1, 2, 9]), encoding: { kind: 'palette', bitDepth: 2, palette: pal } });
  const back = decodeLabelMap(pbytes, 'w.png');
  assert.deepEqual(back.ids, Int32Array.from([0, 1, 2, 9]));
  assert.ok(back.encoding.kind === 'palette' && back.encoding.palette.length === 10 && back.encoding.bitDepth === 4);
  assert.deepEqual(back.encoding.kind === 'palette' && back.encoding.palette[9], [0, 0, 0]);
});

test('encode refuses ids it cannot store', () => {
  const one = (ids: number[]) => Int32Array.from(ids);
  assert.throws(() => encodeLabelMap({ width: 1, height: 1, ids: one([-1]), encoding: { kind: 'gray', bitDepth: 8 } }), RangeError);
  assert.throws(() => encodeLabelMap({ width: 1, height: 1, ids: one([70000]), encoding: { kind: 'gray', bitDepth: 16 } }), RangeError);
  assert.throws(() => encodeLabelMap({ width: 1, height: 1, ids: one([256]), encoding: { kind: 'palette', bitDepth: 8, palette: [] } }), RangeError);
  assert.throws(() => encodeLabelMap({ width: 1, height: 1, ids: one([3]), encoding: { kind: 'rgb', palette: palette(3) } }), /no colour for id 3/);
  assert.throws(() => encodeLabelMap({ width: 2, height: 1, ids: one([0]), encoding: { kind: 'gray', bitDepth: 8 } }), RangeError);
});

test('Adam7-interlaced 8-bit and 16-bit PNGs decode', () => {
  const w = 17;
  const h = 13;
  const ids8 = randomIds(w * h, 200, 7);
  const b8 = fastPngEncode({ width: w, height: h, data: Uint8Array.from(ids8), depth: 8, channels: 1 }, { interlace: 'Adam7' });
  assert.equal(readPngHeader(b8, 'i.png').interlaced, true);
  assert.deepEqual(decodeLabelMap(b8, 'i.png').ids, ids8);
  const ids16 = randomIds(w * h, 60000, 8);
  const b16 = fastPngEncode({ width: w, height: h, data: Uint16Array.from(ids16), depth: 16, channels: 1 }, { interlace: 'Adam7' });
  assert.deepEqual(decodeLabelMap(b16, 'i.png').ids, ids16);
});

test('interlaced 1/2/4-bit PNGs are refused clearly (fast-png mis-decodes them)', () => {
  // 8x1 1-bit Adam7: passes 1,2,4,6 have pixels on row 0 → 4 rows of (1 filter byte + 1 data byte)
  const raw = new Uint8Array(8);
  const bytes = concat(SIG, ihdr(8, 1, 1, 0, 1), chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0)));
  throwsInput(() => decodeLabelMap(bytes, 'il.png'), /^il\.png: interlaced 1-bit PNGs are not supported/);
});

// ---------------------------------------------------------------------------------------------
// alpha

test('gray+alpha: opaque alpha is dropped (and kept on save); any transparency is an error', () => {
  const w = 4;
  const h = 3;
  const data = new Uint8Array(2 * w * h);
  for (let i = 0; i < w * h; i++) {
    data[2 * i] = i % 7;
    data[2 * i + 1] = 255;
  }
  const bytes = fastPngEncode({ width: w, height: h, data, depth: 8, channels: 2 });
  const map = decodeLabelMap(bytes, 'ga.png');
  assert.deepEqual([...map.ids], Array.from({ length: 12 }, (_, i) => i % 7));
  assert.deepEqual(map.encoding, { kind: 'gray', bitDepth: 8, alpha: true });
  assert.equal(readPngHeader(encodeLabelMap(map), 'ga.png').colorType, 4);
  roundTrip(map);
  data[5] = 128;
  data[7] = 0;
  throwsInput(() => decodeLabelMap(fastPngEncode({ width: w, height: h, data, depth: 8, channels: 2 }), 'ga.png'), /^ga\.png: grayscale\+alpha PNG has 2 non-opaque pixel\(s\)/);
});

test('RGBA: opaque is read through the palette; transparency is an error', () => {
  const pal = palette(5);
  const ids = Int32Array.from([0, 1, 2, 3, 4, 4]);
  const data = new Uint8Array(4 * ids.length);
  ids.forEach((id, i) => data.set([...pal[id], 255], 4 * i));
  const ok = fastPngEncode({ width: 3, height: 2, data, depth: 8, channels: 4 });
  const map = decodeLabelMap(ok, 'rgba.png', { palette: pal });
  assert.deepEqual(map.ids, ids);
  assert.deepEqual(map.encoding, { kind: 'rgb', palette: pal, alpha: true });
  roundTrip(map, pal);
  data[3] = 254;
  throwsInput(() => decodeLabelMap(fastPngEncode({ width: 3, height: 2, data, depth: 8, channels: 4 }), 'rgba.png', { palette: pal }), /RGBA PNG has 1 non-opaque/);
});

// ---------------------------------------------------------------------------------------------
// rgb errors

test('RGB map: unknown colours are listed (top 5 by pixel count) with counts', () => {
  const pal = palette(2);
  const w = 40;
  const data = new Uint8Array(3 * w);
  const colours: RGB[] = [pal[0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [1, 2, 3], [9, 9, 9], [10, 10, 10], [11, 11, 11]];
  const counts = [5, 10, 8, 6, 4, 3, 2, 2];
  let p = 0;
  colours.forEach((c, k) => {
    for (let i = 0; i < counts[k]; i++) data.set(c, 3 * p++);
  });
  const bytes = fastPngEncode({ width: w, height: 1, data, depth: 8, channels: 3 });
  throwsInput(
    () => decodeLabelMap(bytes, 'seg.png', { palette: pal }),
    /^seg\.png: colours not in the label palette: #ff0000 \(10 px\), #00ff00 \(8 px\), #0000ff \(6 px\), #010203 \(4 px\), #090909 \(3 px\) and 2 more$/,
  );
});

test('RGB map without a palette is an error naming the file', () => {
  const bytes = fastPngEncode({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]), depth: 8, channels: 3 });
  throwsInput(() => decodeLabelMap(bytes, 'photo.png'), /^photo\.png: is an RGB colour image; reading it as a label map needs/);
});

test('16-bit RGB maps are read when the values are 8-bit colours', () => {
  const pal = palette(3);
  const data = new Uint16Array(9);
  [2, 0, 1].forEach((id, i) => pal[id].forEach((v, c) => (data[3 * i + c] = v * 257)));
  const bytes = fastPngEncode({ width: 3, height: 1, data, depth: 16, channels: 3 });
  assert.deepEqual([...decodeLabelMap(bytes, 'c16.png', { palette: pal }).ids], [2, 0, 1]);
  data[0] += 1;
  throwsInput(() => decodeLabelMap(fastPngEncode({ width: 3, height: 1, data, depth: 16, channels: 3 }), 'c16.png', { palette: pal }), /not 8-bit colours/);
});

test('palette with holes: holes are skipped, shared colours map to the first id', () => {
  const pal: (RGB | undefined)[] = [];
  pal[2] = [10, 20, 30];
  pal[5] = [10, 20, 30];
  pal[7] = [1, 1, 1];
  const data = new Uint8Array([10, 20, 30, 1, 1, 1]);
  const bytes = fastPngEncode({ width: 2, height: 1, data, depth: 8, channels: 3 });
  assert.deepEqual([...decodeLabelMap(bytes, 'h.png', { palette: pal }).ids], [2, 7]);
});

// ---------------------------------------------------------------------------------------------
// hostile / broken files

test('a header claiming 100000x100000 is refused from the header, fast, without allocating', () => {
  const bytes = concat(SIG, ihdr(100000, 100000, 8, 0), chunk('IDAT', zlibSync(new Uint8Array(10))), chunk('IEND', new Uint8Array(0)));
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  throwsInput(() => decodeLabelMap(bytes, 'bomb.png'), /^bomb\.png: image is 100000x100000 \(10000000000 pixels\), more than the limit of 16777216 pixels$/);
  const ms = performance.now() - t0;
  assert.ok(ms < 50, `took ${ms} ms`);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  // also with nothing but the header, and for instance maps
  throwsInput(() => decodeLabelMap(concat(SIG, ihdr(100000, 100000, 16, 0)), 'bomb.png'), /more than the limit/);
  throwsInput(() => decodeInstanceMap(bytes, 'bomb.png'), /more than the limit/);
});

test('maxPixels is configurable', () => {
  const bytes = encodeLabelMap({ width: 10, height: 10, ids: new Int32Array(100), encoding: { kind: 'gray', bitDepth: 8 } });
  throwsInput(() => decodeLabelMap(bytes, 's.png', { maxPixels: 99 }), /image is 10x10 \(100 pixels\), more than the limit of 99 pixels/);
  assert.equal(decodeLabelMap(bytes, 's.png', { maxPixels: 100 }).ids.length, 100);
});

test('a zlib bomb behind a small header is refused before fast-png inflates it', () => {
  // 1000x1000 8-bit gray needs 1001000 bytes; the IDAT inflates to 64 MB of zeros.
  const huge = zlibSync(new Uint8Array(64 << 20), { level: 9 });
  const bytes = concat(SIG, ihdr(1000, 1000, 8, 0), chunk('IDAT', huge), chunk('IEND', new Uint8Array(0)));
  throwsInput(() => decodeLabelMap(bytes, 'zb.png'), /^zb\.png: corrupt PNG: image data inflates to more than the 1001000 bytes a 1000x1000 image needs$/);
});

test('image data shorter than the header promises is an error (fast-png alone zero-fills)', () => {
  const raw = new Uint8Array(5 * (1 + 5) - 3); // 5x5 8-bit gray needs 30 bytes
  const bytes = handPng(5, 5, 8, 0, raw);
  assert.doesNotThrow(() => fastPngDecode(bytes)); // documents fast-png's leniency
  throwsInput(() => decodeLabelMap(bytes, 'short.png'), /^short\.png: truncated PNG: image data ends early \(27 of 30 bytes\)$/);
});

test('truncated files always give a one-line SpadeInputError', () => {
  const map: LabelMap = { width: 31, height: 29, ids: randomIds(31 * 29, 150, 5), encoding: { kind: 'palette', bitDepth: 8, palette: palette(151) } };
  const bytes = encodeLabelMap(map);
  for (let n = 0; n < bytes.length; n++) {
    throwsInput(() => decodeLabelMap(bytes.subarray(0, n), 'cut.png'), n === 0 ? /^cut\.png: file is empty, expected a PNG$/ : /^cut\.png: truncated PNG/);
  }
  throwsInput(() => decodeLabelMap(bytes.subarray(0, bytes.length - 12), 'cut.png'), /no IEND chunk/);
});

test('bad CRC is detected (fast-png ignores CRCs by default)', () => {
  const bytes = encodeLabelMap({ width: 8, height: 8, ids: randomIds(64, 20, 6), encoding: { kind: 'gray', bitDepth: 8 } });
  // corrupt the stored CRC of the IDAT chunk (the 4 bytes before IEND's 12)
  const badCrc = bytes.slice();
  badCrc[badCrc.length - 13] ^= 0xff;
  assert.doesNotThrow(() => fastPngDecode(badCrc)); // default checkCrc: false
  assert.throws(() => fastPngDecode(badCrc, { checkCrc: true }), /CRC mismatch/);
  throwsInput(() => decodeLabelMap(badCrc, 'crc.png'), /^crc\.png: corrupt PNG: CRC mismatch in chunk IDAT at byte \d+$/);
  // corrupt one byte of IHDR data
  const badIhdr = bytes.slice();
  badIhdr[28] ^= 0x01; // interlace byte 0 → 1: still a valid value, so only the CRC catches it
  throwsInput(() => decodeLabelMap(badIhdr, 'crc.png'), /CRC mismatch in chunk IHDR/);
});

test('not a PNG / broken headers', () => {
  throwsInput(() => decodeLabelMap(new TextEncoder().encode('GIF89a................................'), 'a.gif'), /^a\.gif: not a PNG file \(bad signature\)$/);
  throwsInput(() => decodeLabelMap(new Uint8Array(0), 'e.png'), /^e\.png: file is empty/);
  throwsInput(() => decodeLabelMap(concat(SIG, chunk('IDAT', new Uint8Array(13))), 'x.png'), /first chunk is IDAT, expected IHDR/);
  throwsInput(() => decodeLabelMap(concat(SIG, chunk('IHDR', new Uint8Array(14))), 'x.png'), /IHDR chunk length is 14, expected 13/);
  throwsInput(() => decodeLabelMap(concat(SIG, ihdr(0, 5, 8, 0)), 'x.png'), /invalid image size 0x5/);
  throwsInput(() => decodeLabelMap(concat(SIG, ihdr(5, 5, 3, 0)), 'x.png'), /bit depth 3 is not allowed for grayscale/);
  throwsInput(() => decodeLabelMap(concat(SIG, ihdr(5, 5, 8, 5)), 'x.png'), /unknown colour type 5/);
  throwsInput(() => decodeLabelMap(handPng(2, 2, 8, 3, new Uint8Array(6)), 'x.png'), /palette image without a PLTE chunk/);
  throwsInput(() => decodeLabelMap(concat(SIG, ihdr(2, 2, 8, 0), chunk('IEND', new Uint8Array(0))), 'x.png'), /no image data/);
  const garbage = concat(SIG, ihdr(2, 2, 8, 0), chunk('IDAT', new Uint8Array([1, 2, 3, 4, 5])), chunk('IEND', new Uint8Array(0)));
  throwsInput(() => decodeLabelMap(garbage, 'x.png'), /^x\.png: (corrupt|truncated) PNG/);
});

test('palette indices beyond the PLTE still decode as ids', () => {
  const raw = new Uint8Array([0, 0, 5]); // 2x1 8-bit: filter byte, ids 0 and 5
  const bytes = handPng(2, 1, 8, 3, raw, [chunk('PLTE', new Uint8Array([1, 2, 3, 4, 5, 6]))]);
  const map = decodeLabelMap(bytes, 'p.png');
  assert.deepEqual([...map.ids], [0, 5]);
  assert.deepEqual(map.encoding, { kind: 'palette', bitDepth: 8, palette: [[1, 2, 3], [4, 5, 6]] });
});

test('palette tRNS is ignored (index = id)', () => {
  const raw = new Uint8Array([0, 1, 0]);
  const bytes = handPng(2, 1, 8, 3, raw, [chunk('PLTE', new Uint8Array([1, 2, 3, 4, 5, 6])), chunk('tRNS', new Uint8Array([0, 128]))]);
  const map = decodeLabelMap(bytes, 't.png');
  assert.deepEqual([...map.ids], [1, 0]);
  assert.deepEqual(map.encoding.kind === 'palette' && map.encoding.palette, [[1, 2, 3], [4, 5, 6]]);
});

// ---------------------------------------------------------------------------------------------
// instance maps

test('instance maps: 8-bit, 16-bit gray and palette; RGB refused', () => {
  const ids8 = randomIds(30, 255, 9);
  const b8 = fastPngEncode({ width: 6, height: 5, data: Uint8Array.from(ids8), depth: 8, channels: 1 });
  assert.deepEqual(decodeInstanceMap(b8, 'inst.png'), { width: 6, height: 5, ids: ids8 });
  const ids16 = randomIds(30, 33001, 10); // Cityscapes-style class*1000+instance
  const b16 = fastPngEncode({ width: 6, height: 5, data: Uint16Array.from(ids16), depth: 16, channels: 1 });
  assert.deepEqual(decodeInstanceMap(b16, 'inst.png').ids, ids16);
  const bp = encodeLabelMap({ width: 6, height: 5, ids: randomIds(30, 9, 11), encoding: { kind: 'palette', bitDepth: 4, palette: palette(10) } });
  assert.deepEqual(decodeInstanceMap(bp, 'inst.png').ids, randomIds(30, 9, 11));
  const rgb = fastPngEncode({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]), depth: 8, channels: 3 });
  throwsInput(() => decodeInstanceMap(rgb, 'inst.png'), /^inst\.png: instance maps must be 8- or 16-bit grayscale \(or palette\) PNGs, this one is RGB$/);
});

// ---------------------------------------------------------------------------------------------
// id validation
