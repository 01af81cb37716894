/**
 * Conv2DBackpropInput on WebGPU as a tiled implicit GEMM. TF.js 4.22 runs it untiled by default
 * (WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE): each thread gathers its own dy and weights from memory.
 * Here the input gradient is a matrix product over (kh, kw, co),
 *
 *   dx[(n, ih, iw), ci] = sum of dy[n, (ih + pad - kh) / s, (iw + pad - kw) / s, co] * W[kh, kw, ci, co]
 *
 * (terms whose division is not exact or falls outside dy are zero), in the shared-memory tiles of
 * webgpu_gemm.ts, split over the reduction only when the output is small next to it.
 *
 * NHWC only; anything else goes to TF.js's own kernel, as does everything while
 * SPADE_WEBGPU_CONV_BACKPROP_INPUT=0 (the benchmark's A/B).
 */
import { type backend_util, type Conv2DBackpropInputAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { replaceWebgpuKernel, runProgram } from './webgpu_program';
import { ConvGemmProgram, gemmMain, gemmUniforms, nhwcConvInfo, planGemm, sumSplits, type GemmPlan } from './webgpu_gemm';

class InputGemmProgram extends ConvGemmProgram {
  readonly variableNames = ['dy', 'W'];

  constructor(outputShape: number[], plan: GemmPlan, info: backend_util.Conv2DInfo) {
    super(outputShape, plan, info, 'spadeConvBackpropInputGemm');
  }

  getUserCode(): string {
    const c = this.info;
    // Rows m are input pixels (n, ih, iw); the reduction index k is (kh, kw, co), co fastest.
    return `
      fn loadA(k : u32, m : u32) -> f32 {
        let co = k % ${c.outChannels}u;
        let khw = k / ${c.outChannels}u;
        let kw = i32(khw % ${c.filterWidth}u);
        let kh = i32(khw / ${c.filterWidth}u);
        let iw = i32(m % ${c.inWidth}u);
        let nh = m / ${c.inWidth}u;
        let ih = i32(nh % ${c.inHeight}u);
        let n = nh / ${c.inHeight}u;
        let sh = ih + ${c.padInfo.top} - kh;
        let sw = iw + ${c.padInfo.left} - kw;
        if (sh < 0 || sw < 0) {
          return 0.0;
        }
        let oh = u32(sh) / ${c.strideHeight}u;
        let ow = u32(sw) / ${c.strideWidth}u;
        if (oh * ${c.strideHeight}u != u32(sh) || ow * ${c.strideWidth}u != u32(sw) || oh >= ${c.outHeight}u || ow >= ${c.outWidth}u) {
          return 0.0;
        }
        return dy[((n * ${c.outHeight}u + oh) * ${c.outWidth}u + ow) * ${c.outChannels}u + co];
      }
      fn loadB(k : u32, n : u32) -> f32 {
        let co = k % ${c.outChannels}u;
        let khw = k / ${c.outChannels}u;
        return W[(khw * ${c.inChannels}u + n) * ${c.outChannels}u + co];
      }
      ${gemmMain(this.plan, { a: true, b: true })}`;
  }
}

/**
 * Our kernel, or null where it does not apply (the caller then runs TF.js's). Exported for the
 * tests and the micro-benchmark.
 */
export function conv2dBackpropInputGemm(
  backend: object,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo | null {
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
  if (dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = nhwcConvInfo(inputShape, filter.shape, strides, pad, dimRoundingMode);
  const m = info.batchSize * info.inHeight * info.inWidth;
  const k = info.filterHeight * info.filterWidth * info.outChannels;
  const plan = planGemm(m, info.inChannels, k);
  const planes = plan.splits === 1 ? inputShape : [plan.splits, m * info.inChannels];
  const product = runProgram(backend, 'Conv2DBackpropInput', new InputGemmProgram(planes, plan, info), [dy, filter], gemmUniforms(plan));
  return plan.splits === 1 ? product : sumSplits(backend, product, inputShape, plan.splits);
}

/** Whether the trainer's kernel uses the GEMM: at stride 1 (see backpropInputKernel). */
export function usesGemm(attrs: Conv2DBackpropInputAttrs): boolean {
  const strides = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  return strides[0] === 1 && strides[1] === 1;
}

/**
 * The Conv2DBackpropInput kernel: ours at stride 1, else \`fallback\` (TF.js's). At stride s
 * all but 1 / s² of the GEMM's terms are zeros that it reads and multiplies, where TF.js's
 * kernel skips them; it was the slower of the two at stride 2 (docs/benchmarks.md).
 */
export function backpropInputKernel(fallback: KernelFunc, enabled: () => boolean): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const out = enabled() && usesGemm(attrs) ? conv2dBackpropInputGemm(args.backend, dy, filter, attrs) : null;
    return out ?? fallback(args);
  };
}

/** Puts our Conv2DBackpropInput in TF.js's place on webgpu (flag SPADE_WEBGPU_CONV_BACKPROP_INPUT). */
export function registerWebGPUConvBackpropInput(): void {
  replaceWebgpuKernel('SPADE_WEBGPU_CONV_BACKPROP_INPUT', 'Conv2DBackpropInput', backpropInputKernel);
}
