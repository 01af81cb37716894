/**
 * Conv2DBackpropFilter (the weight gradient of an NHWC conv2d) as matrix products on the
 * backend's own fast MatMul (XNNPACK). tfjs-backend-wasm 4.22 has no such kernel at all.
 *
 *   dW[i, j, ci, co] = Σ_{n,h,w} xpad[n, h·s + i, w·s + j, ci] · dy[n, h, w, co]
 *
 * The padded input is split into s×s phases, xpad[:, a::s, b::s, :], each an Hq×Wq "frame".
 * Tap (i, j) = (a + s·u, b + s·v) reads phase (a, b) at the plain offset (u, v), so its
 * gradient is one GEMM:  dW[i, j]ᵀ [Co, Ci] = (dy shifted by (u, v) into the frame) · phase.
 * The phase is XNNPACK's packed B operand, packed once and reused by every tap that reads it
 * (wasm caches the packed B by tensor id, which is why B is always a tensor made here, never a
 * caller's); the shifted dy is a PadV2 copy. No strided gathers (wasm's StridedSlice is slow)
 * and no wasted multiplications for strided convs; frames add (Ho+k−1)(Wo+k−1)/(Ho·Wo) − 1.
 *
 * Alternatives measured (128²×128→16 3x3; forward conv 25 ms): this 40 ms; x as a batch of Ci
 * images convolved with dy as the filter at dilation s, 84 ms; shifting x instead of dy, 90 ms.
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScope } from './kernel_scope';

/** Geometry of one spatial axis. */
interface Axis {
  s: number;
  out: number;
  /** Frame length of a phase: out + ⌈k/s⌉ − 1, so that every tap's window fits. */
  frame: number;
  padBefore: number;
  /** May be negative: trailing input rows that no output reads, cropped off. */
  padAfter: number;
}

function axis(size: number, s: number, k: number, out: number, padBefore: number): Axis {
  const frame = out + Math.ceil(k / s) - 1;
  return { s, out, frame, padBefore, padAfter: frame * s - padBefore - size };
}

export function conv2dBackpropFilterNHWC(scope: KernelScope, x: TensorInfo, dy: TensorInfo, attrs: Conv2DBackpropFilterAttrs): TensorInfo {
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const xShape = x.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [n, h, w, ci] = xShape;
  const [kh, kw, , co] = filterShape;
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(`Conv2DBackpropFilter: dy has shape [${dy.shape}] but the conv gives [${info.outShape}]`);
  }
  const ah = axis(h, info.strideHeight, kh, info.outHeight, info.padInfo.top);
  const aw = axis(w, info.strideWidth, kw, info.outWidth, info.padInfo.left);

  // Crop what no output reads, then zero-pad to exactly frame·s rows and columns. PadV2 always
  // writes a new buffer, so xp is never the caller's x (a B operand must not be, see above).
  let xp = x;
  if (ah.padAfter < 0 || aw.padAfter < 0) {
    xp = scope.slice(x, [0, 0, 0, 0], [n, h + Math.min(0, ah.padAfter), w + Math.min(0, aw.padAfter), ci]);
  }
  xp = scope.pad(xp, [[0, 0], [ah.padBefore, Math.max(0, ah.padAfter)], [aw.padBefore, Math.max(0, aw.padAfter)], [0, 0]]);
  const pixels = n * ah.frame * aw.frame;
  const phases = phaseSplit(scope, xp, n, ah, aw, ci); // [sw·sh·N·Hq·Wq, Ci], phase (a, b) at block b·sh + a
  const phaseB = new Map<number, TensorInfo>();
  const dyT = scope.transpose(dy, [3, 0, 1, 2]); // [Co, N, Ho, Wo]

  const outs: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const p = (j % aw.s) * ah.s + (i % ah.s);
      let b = phaseB.get(p);
      if (!b) {
        b = ah.s * aw.s === 1 ? phases : scope.rows(phases, p * pixels, pixels);
        phaseB.set(p, b);
      }
      const u = Math.floor(i / ah.s);
      const v = Math.floor(j / aw.s);
      const shifted = scope.pad(dyT, [[0, 0], [0, 0], [u, ah.frame - ah.out - u], [v, aw.frame - aw.out - v]]);
      outs.push(scope.matMul(scope.reshape(shifted, [co, pixels]), b)); // [Co, Ci]
    }
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
