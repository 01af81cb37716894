/**
 * Conv2DBackpropFilter (the weight gradient of an NHWC conv2d) as matrix products on the
 * backend's own fast MatMul (XNNPACK). tfjs-backend-wasm 4.22 has no such kernel at all.
 *
 *   dW[i, j, ci, co] = Σ_{n,h,w} xpad[n, h·s + i, w·s + j, ci] · dy[n, h, w, co]
 *
 * The padded input is split into s×s phases, xpad[:, a::s, b::s, :], each an Hq×Wq "frame".
 * Tap (i, j) = (a + s·u, b + s·v) reads phase (a, b) at the plain offset (u, v), so its
 * gradient is one GEMM over the frame's pixels, between the phase and dy shifted by (u, v).
 * One of the two is XNNPACK's packed B operand, packed once and reused by every tap (wasm caches
 * the packed B by tensor id, which is why B is always a tensor made here, never a caller's);
 * the other is copied per tap. No strided gathers (wasm's StridedSlice is slow) and no wasted
 * multiplications for strided convs; the frames add (Ho+k−1)(Wo+k−1)/(Ho·Wo) − 1.
 *
 * Measured on 128²×128→16 3x3 (forward conv 22 ms CPU): this 33 ms; x as a batch of Ci images
 * convolved with dy as the filter at dilation s (XNNPACK's conv with 1 input channel), 84 ms.
 */
import type { Conv2DBackpropFilterAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backpropConvInfo } from './conv_info';
import type { KernelScope } from './kernel_scope';

/** Geometry of one spatial axis. */
interface Axis {
  s: number;
  out: number;
  /** Frame length of a phase: out + ⌈k/s⌉ − 1, so that every tap's window fits. */
  frame: number;
  /** Input rows kept: trailing ones that no output reads are cropped off. */
  keep: number;
  padBefore: number;
  padAfter: number;
}

function axis(size: number, s: number, k: number, out: number, padBefore: number): Axis {
  const frame = out + Math.ceil(k / s) - 1;
  // The window [0, frame·s) of the padded axis; a large leading pad can cover all of it.
  const before = Math.min(padBefore, frame * s);
  const keep = Math.max(0, Math.min(size, frame * s - before));
  return { s, out, frame, keep, padBefore: before, padAfter: frame * s - before - keep };
}

export function conv2dBackpropFilterNHWC(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo {
  const xShape = x.shape as [number, number, number, number];
  const { info, n, h, w, ci, kh, kw, co } = backpropConvInfo('Conv2DBackpropFilter', xShape, attrs.filterShape, attrs, dy);
  const ah = axis(h, info.strideHeight, kh, info.outHeight, info.padInfo.top);
  const aw = axis(w, info.strideWidth, kw, info.outWidth, info.padInfo.left);

  // Crop what no output reads, then zero-pad to exactly frame·s rows and columns. PadV2 always
  // writes a new buffer, so xp is never the caller's x (a B operand must not be, see above).
  let xp = x;
  if (ah.keep < h || aw.keep < w) xp = scope.slice(x, [0, 0, 0, 0], [n, ah.keep, aw.keep, ci]);
  xp = scope.pad(xp, [
    [0, 0],
    [ah.padBefore, ah.padAfter],
    [aw.padBefore, aw.padAfter],
    [0, 0],
  ]);
  const pixels = n * ah.frame * aw.frame;
  const phases = phaseSplit(scope, xp, n, ah, aw, ci); // [sw·sh·N·Hq·Wq, Ci], phase (a, b) at block b·sh + a
  const nPhases = ah.s * aw.s;
  // Taps in HWIO order: tap (i, j) = (a + s·u, b + s·v) reads phase (a, b) at offset (u, v).
  const taps: { phase: number; u: number; v: number }[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++)
      taps.push({ phase: (j % aw.s) * ah.s + (i % ah.s), u: Math.floor(i / ah.s), v: Math.floor(j / aw.s) });
  }
  const outs: TensorInfo[] = [];

  // Which operand XNNPACK packs decides most of the overhead: tfjs passes B as [K, N], and
  // packing that transposed layout gets slow for wide N (128 and up). Measured: shifting x
  // wins unless Co is both wider than Ci and wider than 64 (e.g. 128²×32→128: 84 against 61 ms).
  if (ci >= co || co <= 64) {
    // M = Ci, N = Co. A = the phase as [Ci, N·Hq·Wq], shifted left by the tap's flat offset
    // u·Wq + v: one contiguous copy. Entries that wrap into the next frame row, image or channel
    // meet zeros in B = dy placed in the frame [N·Hq·Wq, Co] (dy fills rows < Ho, columns < Wo).
    const maxShift = (Math.ceil(kh / ah.s) - 1) * aw.frame + (Math.ceil(kw / aw.s) - 1);
    const flat = scope.reshape(scope.transpose(scope.reshape(phases, [nPhases, pixels, ci]), [0, 2, 1]), [nPhases, ci * pixels]);
    const xT =
      maxShift > 0
        ? scope.pad(flat, [
            [0, 0],
            [0, maxShift],
          ])
        : flat;
    const rowLen = ci * pixels + maxShift;
    const b = scope.reshape(
      scope.pad(dy, [
        [0, 0],
        [0, ah.frame - ah.out],
        [0, aw.frame - aw.out],
        [0, 0],
      ]),
      [pixels, co],
    );
    // Each product is [Ci, Co].
    for (const t of taps) outs.push(scope.matMul(scope.range(xT, t.phase * rowLen + t.u * aw.frame + t.v, [ci, pixels]), b));
    return scope.reshape(scope.concat(outs, 0), [kh, kw, ci, co]);
  }

  // M = Co, N = Ci. A = dy shifted by (u, v) into the frame [Co, N·Hq·Wq]; B = the phase.
  const dyT = scope.transpose(dy, [3, 0, 1, 2]); // [Co, N, Ho, Wo]
  const phaseB = new Map<number, TensorInfo>();
  for (const t of taps) {
    let b = phaseB.get(t.phase);
    if (!b) {
      b = nPhases === 1 ? phases : scope.range(phases, t.phase * pixels * ci, [pixels, ci]);
      phaseB.set(t.phase, b);
    }
    const shifted = scope.pad(dyT, [
      [0, 0],
      [0, 0],
      [t.u, ah.frame - ah.out - t.u],
      [t.v, aw.frame - aw.out - t.v],
    ]);
    outs.push(scope.matMul(scope.reshape(shifted, [co, pixels]), b)); // [Co, Ci]
  }
  const stacked = scope.reshape(scope.concat(outs, 0), [kh, kw, co, ci]);
  return scope.transpose(stacked, [0, 1, 3, 2]);
}

/**
 * xp [N, Hq·sh, Wq·sw, C] -> [sw·sh·N·Hq·Wq, C] with phase (a, b) = xp[:, a::sh, b::sw, :] as
 * the block of rows at index b·sh + a. A 4-D and a 3-D transpose: wasm's transpose is fast up
 * to 4-D and about 25x slower for the equivalent 6-D permutation.
 */
function phaseSplit(scope: KernelScope, xp: TensorInfo, n: number, ah: Axis, aw: Axis, c: number): TensorInfo {
  const pixels = n * ah.frame * aw.frame;
  if (ah.s === 1 && aw.s === 1) return scope.reshape(xp, [pixels, c]);
  const rows = scope.transpose(scope.reshape(xp, [n * ah.frame, ah.s, aw.frame, aw.s * c]), [1, 0, 2, 3]); // [sh, N·Hq, Wq, sw·C]
  const cols = scope.transpose(scope.reshape(rows, [ah.s * pixels, aw.s, c]), [1, 0, 2]); // [sw, sh·N·Hq·Wq, C]
  return scope.reshape(cols, [aw.s * ah.s * pixels, c]);
}
