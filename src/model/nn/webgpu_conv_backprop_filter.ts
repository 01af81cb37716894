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
 * TF.js's own kernel, as does everything while SPADE_WEBGPU_CONV_BACKPROP=0 (the benchmark's A/B).
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { replaceWebgpuKernel, runProgram } from './webgpu_program';
import { GEMM_UNIFORMS, GEMM_WORKGROUP, gemmMain, gemmUniforms, planGemm, SumSplitsProgram, type GemmPlan } from './webgpu_gemm';

class FilterGemmProgram implements WebGPUProgram {
  readonly variableNames = ['x', 'dy'];
  readonly uniforms = `pads : vec2<i32>, strides : vec2<i32>, filterWidth : i32, ${GEMM_UNIFORMS}`;
  readonly workgroupSize = GEMM_WORKGROUP;
  readonly outputShape: number[];
  // Not flat: main() reads its tile from workgroupId.
  readonly dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    outputShape: number[],
    readonly plan: GemmPlan,
  ) {
    this.outputShape = outputShape;
    this.dispatch = plan.dispatch;
    this.shaderKey = `spadeConvBackpropFilterGemm_${plan.tileN}`;
  }

  getUserCode(): string {
    return `
      fn loadA(k : i32, m : i32) -> f32 {
        let ci = m % uniforms.xShape[3];
        let kk = m / uniforms.xShape[3];
        let kw = kk % uniforms.filterWidth;
        let kh = kk / uniforms.filterWidth;
        let ow = k % uniforms.dyShape[2];
        let nh = k / uniforms.dyShape[2];
        let oh = nh % uniforms.dyShape[1];
        let n = nh / uniforms.dyShape[1];
        let ih = oh * uniforms.strides.x - uniforms.pads.x + kh;
        let iw = ow * uniforms.strides.y - uniforms.pads.y + kw;
        if (ih < 0 || ih >= uniforms.xShape[1] || iw < 0 || iw >= uniforms.xShape[2]) {
          return 0.0;
        }
        return x[((n * uniforms.xShape[1] + ih) * uniforms.xShape[2] + iw) * uniforms.xShape[3] + ci];
      }
      fn loadB(k : i32, n : i32) -> f32 {
        return dy[k * uniforms.gemmN + n];
      }
      ${gemmMain(this.plan.tileN)}`;
  }
}

/**
 * Our kernel, or null where it does not apply (the caller then runs TF.js's). Exported for the
 * tests and the micro-benchmark.
 */
export function conv2dBackpropFilterGemm(backend: object, x: TensorInfo, dy: TensorInfo, attrs: Conv2DBackpropFilterAttrs): TensorInfo | null {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const m = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.outChannels;
  const k = info.batchSize * info.outHeight * info.outWidth;
  const plan = planGemm(m, n, k);
  const uniforms = [
    { type: 'int32' as const, data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32' as const, data: [info.strideHeight, info.strideWidth] },
    { type: 'int32' as const, data: [info.filterWidth] },
    ...gemmUniforms(m, n, k, plan),
  ];
  const planes = plan.splits === 1 ? filterShape : [plan.splits, m * n];
  const product = runProgram(backend, 'Conv2DBackpropFilter', new FilterGemmProgram(planes, plan), [x, dy], uniforms);
  if (plan.splits === 1) return product;
  const sum = runProgram(backend, 'Conv2DBackpropFilter', new SumSplitsProgram(filterShape), [product], [
    { type: 'int32', data: [plan.splits] },
  ]);
  (backend as { disposeData(id: object): void }).disposeData(product.dataId);
  return sum;
}

/** The Conv2DBackpropFilter kernel: ours where it applies, else `fallback` (TF.js's). */
export function backpropFilterKernel(fallback: KernelFunc, enabled: () => boolean): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const out = enabled() ? conv2dBackpropFilterGemm(args.backend, x, dy, args.attrs as unknown as Conv2DBackpropFilterAttrs) : null;
    return out ?? fallback(args);
  };
}

/** Puts our Conv2DBackpropFilter in TF.js's place on webgpu (flag SPADE_WEBGPU_CONV_BACKPROP_FILTER). */
export function registerWebGPUConvBackpropFilter(): void {
  replaceWebgpuKernel('SPADE_WEBGPU_CONV_BACKPROP_FILTER', 'Conv2DBackpropFilter', backpropFilterKernel);
}
