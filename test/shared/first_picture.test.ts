// The first picture's map check (src/shared/first_picture.ts): any changed id changes the hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idsHash } from '../../src/shared/first_picture';
import { mulberry32 } from '../../src/model/random';

test('idsHash is FNV-1a over the ids\' bytes and tells maps apart', () => {
  assert.equal(idsHash(new Int32Array(0)), 0x811c9dc5);
  // FNV-1a of the four bytes 01 00 00 00.
  let h = 0x811c9dc5;
  for (const byte of [1, 0, 0, 0]) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  assert.equal(idsHash(Int32Array.of(1)), h);
  const rnd = mulberry32(7);
  const ids = Int32Array.from({ length: 256 * 256 }, () => Math.floor(rnd() * 12));
  const base = idsHash(ids);
  assert.equal(idsHash(ids.slice()), base);
  for (const i of [0, 1000, ids.length - 1]) {
    const changed = ids.slice();
    changed[i] = (changed[i] + 1) % 12;
    assert.notEqual(idsHash(changed), base, `id ${i}`);
  }
  assert.notEqual(idsHash(Int32Array.of(-1)), idsHash(Int32Array.of(255)), 'all four bytes count');
});
