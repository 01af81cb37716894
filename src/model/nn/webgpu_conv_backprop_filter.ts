/**
 * Conv2DBackpropFilter on WebGPU as a tiled implicit GEMM. TF.js 4.22 runs one thread per
 * weight, each looping alone over every output pixel of the batch: few threads, no reuse of
 * what they read. Here the weight gradient is a matrix product,
 *
 *   dW[(kh, kw, ci), co] = sum over (n, oh, ow) of x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co]
 *
 * computed in shared-memory tiles (webgpu_gemm.ts), with the reduction over N*OH*OW split across
 * workgroups (and summed in a second dispatch) when the weight matrix is small next to it.
 *
 * NHWC only (what our networks use), any stride and padding TF.js accepts; anything else goes to
 * TF.js's own kernel, as does everything while SPADE_WEBGPU_CONV_BACKPROP_FILTER=0 (the benchmark's A/B).
 */
import { type backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { replaceWebgpuKernel, runProgram } from './webgpu_program';
import { ConvGemmProgram, gemmMain, gemmUniforms, nhwcConvInfo, planGemm, sumSplits, type GemmPlan } from './webgpu_gemm';

class FilterGemmProgram extends ConvGemmProgram {
  readonly variableNames = ['x', 'dy'];

  constructor(outputShape: number[], plan: GemmPlan, info: backend_util.Conv2DInfo) {
    super(outputShape, plan, info, 'spadeConvBackpropFilterGemm');
  }

  getUserCode(): string {
    const c = this.info;
    // Rows m are weights (kh, kw, ci), a filter tap; the reduction index k is an output pixel (n, oh, ow).
    return `
      ${this.im2col()}
      fn loadA(k : u32, m : u32) -> f32 {
        return im2col(k, m);
      }
      fn loadB(k : u32, n : u32) -> f32 {
        return dy[k * ${c.outChannels}u + n];
      }
      ${gemmMain(this.plan, { a: false, b: false })}`;
  }
}

/**
 * Our kernel, or null where it does not apply (the caller then runs TF.js's). Exported for the
 * tests and the micro-benchmark.
 */
export function conv2dBackpropFilterGemm(
  backend: object,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo | null {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const info = nhwcConvInfo(x.shape, filterShape, strides, pad, dimRoundingMode);
  const m = info.filterHeight * info.filterWidth * info.inChannels;
  const k = info.batchSize * info.outHeight * info.outWidth;
  const plan = planGemm(m, info.outChannels, k);
  const planes = plan.splits === 1 ? filterShape : [plan.splits, m * info.outChannels];
  const product = runProgram(backend, 'Conv2DBackpropFilter', new FilterGemmProgram(planes, plan, info), [x, dy], gemmUniforms(plan));
  return plan.splits === 1 ? product : sumSplits(backend, product, filterShape, plan.splits);
}

/** The Conv2DBackpropFilter kernel: ours where it applies, else `fallback` (TF.js's). */
export function backpropFilterKernel(fallback: KernelFunc, enabled: () => boolean): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const out = enabled() ? conv2dBackpropFilterGemm(args.backend, x, dy, attrs) : null;
    return out ?? fallback(args);
  };
}

/** Puts our Conv2DBackpropFilter in TF.js's place on webgpu (flag SPADE_WEBGPU_CONV_BACKPROP_FILTER). */
export function registerWebGPUConvBackpropFilter(): void {
  replaceWebgpuKernel('SPADE_WEBGPU_CONV_BACKPROP_FILTER', 'Conv2DBackpropFilter', backpropFilterKernel);
}
