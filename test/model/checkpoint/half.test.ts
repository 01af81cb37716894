// halvesToFloats (the checkpoint reader's binary16 decoding) against halfToFloat, value by value;
// floatToBfloat16's rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToFloat, floatToBfloat16, halfToFloat, halvesToFloats } from '../../../src/model/checkpoint/half';

test('halvesToFloats gives halfToFloat for every binary16 value, at even and odd offsets', () => {
  for (const pad of [0, 1, 2]) {
    const bytes = new Uint8Array(pad + 65536 * 2 + 1);
    for (let h = 0; h < 65536; h++) {
      bytes[pad + 2 * h] = h & 0xff;
      bytes[pad + 2 * h + 1] = h >> 8;
    }
    const got = halvesToFloats(bytes, pad, 65536);
    assert.equal(got.length, 65536);
    for (let h = 0; h < 65536; h++) {
      const want = Math.fround(halfToFloat(h));
      if (!Object.is(got[h], want)) assert.fail(`offset ${pad}, 0x${h.toString(16)}: ${got[h]} != ${want}`);
    }
  }
});

test('halvesToFloats reads a view into a larger buffer from its own start', () => {
  const buf = new Uint8Array([0xff, 0x00, 0x3c, 0x00, 0xc0, 0xff]);
  const view = buf.subarray(1, 5); // 00 3c | 00 c0: 1 and -2
  assert.deepEqual(Array.from(halvesToFloats(view, 0, 2)), [1, -2]);
  assert.deepEqual(Array.from(halvesToFloats(buf, 3, 1)), [halfToFloat(0xc000)], 'an odd offset');
});

test('floatToBfloat16 rounds to the nearest bfloat16, ties to even, and keeps tiny values float16 would flush', () => {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); just above goes up.
  assert.equal(bfloat16ToFloat(floatToBfloat16(1 + 2 ** -8)), 1);
  assert.equal(bfloat16ToFloat(floatToBfloat16(1 + 2 ** -8 + 2 ** -20)), 1 + 2 ** -7);
  assert.equal(bfloat16ToFloat(floatToBfloat16(1 + 3 * 2 ** -8)), 1 + 2 ** -6, 'the tie above an odd mantissa goes up');
  assert.equal(bfloat16ToFloat(floatToBfloat16(-2.5)), -2.5);
  assert.equal(bfloat16ToFloat(floatToBfloat16(3.4e38)), Infinity, 'past the largest bfloat16');
  assert.ok(Number.isNaN(bfloat16ToFloat(floatToBfloat16(NaN))));
  for (const x of [1e-12, 3e-20, 7.3e-30]) {
    const back = bfloat16ToFloat(floatToBfloat16(x));
    assert.ok(Math.abs(back - x) <= x * 2 ** -8, `${x} -> ${back}`);
  }
});
