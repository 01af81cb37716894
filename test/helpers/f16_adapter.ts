/**
 * The f16 tests need a WebGPU adapter with shader-f16 (Mesa >= 25 lavapipe, or a GPU). Where
 * there is none they fail, saying so, unless SPADE_TEST_NO_F16=1 declares that this machine is
 * not expected to have one; then the caller checks only that f16 stays off and says why.
 */
import assert from 'node:assert/strict';

/** Whether f16 runs here (`why`: the reason it cannot, from registerWebGPUF16Conv). */
export function f16Here(why: string | undefined): boolean {
  if (why === undefined) return true;
  if (process.env.SPADE_TEST_NO_F16 === '1') {
    assert.match(why, /shader-f16|not webgpu|no device/, 'f16 stays off with a reason');
    return false;
  }
  assert.fail(
    `no f16 WebGPU: ${why}. Point VK_ICD_FILENAMES at Mesa >= 25 lavapipe (see docs/engineering.md), ` +
      'or set SPADE_TEST_NO_F16=1 where no such adapter is expected.',
  );
}
