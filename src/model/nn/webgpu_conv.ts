/**
 * The forward convolution (Conv2D, and FusedConv2D: conv, bias, activation) on WebGPU as a tiled
 * implicit GEMM (webgpu_gemm.ts), in one of two modes:
 *
 *   out[(n, oh, ow), co] = act(bias[co] + sum over (kh, kw, ci) of x[n, ih, iw, ci] * W[kh, kw, ci, co])
 *
 * - f32, the train step's conv (registerWebGPUConv, by the trainer; flag SPADE_WEBGPU_CONV, on
 *   unless =0): the same GEMM as the conv gradients, whose tile narrows to the output's channels,
 *   where TF.js's conv2d_mm was the slower on convs to few channels (and so on the train steps
 *   measured). Inference keeps TF.js's conv unless a trainer is in the process: on convs to many
 *   channels, and the default model's forward pass, TF.js's was the faster (docs/benchmarks.md).
 * - f16, for inference on adapters with `shader-f16` (registerWebGPUF16Conv; SPADE_WEBGPU_F16=1):
 *   - the weights: each filter is packed to f16 once (two to a 32-bit word, a GPU pass over its
 *     f32 copy, which stays) and the packed copy is kept while the filter lives;
 *   - the activations are rounded to f16 as they enter the conv's shared-memory tiles; in memory
 *     between kernels they stay f32 (TF.js's tensors have no f16 type);
 *   - products and sums are f32 (an f16 times an f16 is exact in f32), and so are the bias, the
 *     activation and the output.
 *   Shared memory per workgroup is half that of the f32 GEMM. Under a gradient (a train step) the
 *   f32 mode (or TF.js's kernel) runs instead.
 * NHWC, no dilation, activations linear, relu and leakyrelu; anything else goes to TF.js's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type Conv2DAttrs,
  type FusedConv2DAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { ElementwiseProgram, registerOffFlag, replaceWebgpuKernel, runProgram } from './webgpu_program';
import { ConvGemmProgram, gemmMain, gemmUniforms, nhwcConvInfo, planGemm, sumSplits, type GemmPlan } from './webgpu_gemm';
import { F16_MARKER, f16Unavailable } from './webgpu_f16';

export const CONV_FLAG = 'SPADE_WEBGPU_CONV';
export const F16_FLAG = 'SPADE_WEBGPU_F16';
/**
 * The benchmark's baseline: the same kernel with f32 tiles and weights (SPADE_WEBGPU_F16=1
 * SPADE_WEBGPU_F16_AS_F32=1), so that f16's own effect is measured apart from the GEMM's.
 */
export const AS_F32_FLAG = 'SPADE_WEBGPU_F16_AS_F32';

type Activation = 'linear' | 'relu' | 'leakyrelu';

/** WGSL: y after the activation. */
function activate(act: Activation, alpha: number): string {
  if (act === 'relu') return 'y = max(y, 0.0);';
  if (act === 'leakyrelu') return `y = select(y, y * ${alpha.toExponential()}, y < 0.0);`;
  return '';
}

/** Pairs of f32 packed into one 32-bit word as two f16 (low half first). */
class PackF16Program extends ElementwiseProgram {
  readonly variableNames = ['w'];
  readonly uniforms = 'count : i32,';
  shaderKey = 'spadePackF16';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let i = 2 * index;
          var hi = 0.0;
          if (i + 1 < uniforms.count) {
            hi = w[i + 1];
          }
          result[index] = bitcast<i32>(pack2x16float(vec2<f32>(w[i], hi)));
        }
      }`;
  }
}

class ConvProgram extends ConvGemmProgram {
  readonly variableNames: string[];

  constructor(
    outputShape: number[],
    plan: GemmPlan,
    info: backend_util.Conv2DInfo,
    readonly hasBias: boolean,
    readonly act: Activation,
    readonly alpha: number,
    readonly half: boolean,
  ) {
    const name = `spadeConv${half ? 'F16' : 'F32'}_${hasBias}_${act}_${alpha}_${info.outChannels}_${info.filterHeight}`;
    super(outputShape, plan, info, name);
    const w = half ? 'W16' : 'W';
    this.variableNames = hasBias ? ['x', w, 'bias'] : ['x', w];
  }

  getUserCode(): string {
    const c = this.info;
    // Rows m are output pixels (n, oh, ow); the reduction index k is (kh, kw, ci), ci fastest,
    // which is also the packed filter's order (HWIO: k * outChannels + co).
    const t = this.half ? 'f16' : 'f32';
    const loadB = this.half
      ? `let i = k * ${c.outChannels}u + n;
        let pair = bitcast<vec2<f16>>(W16[i / 2u]);
        return select(pair.x, pair.y, (i & 1u) == 1u);`
      : `return W[k * ${c.outChannels}u + n];`;
    return `${this.half ? F16_MARKER : ''}
      ${this.im2col()}
      fn loadA(k : u32, m : u32) -> ${t} {
        return ${t}(im2col(m, k));
      }
      fn loadB(k : u32, n : u32) -> ${t} {
        ${loadB}
      }
      fn finish(n : u32, v : f32) -> f32 {
        var y = v${this.hasBias ? ' + bias[n]' : ''};
        ${activate(this.act, this.alpha)}
        return y;
      }
      ${gemmMain(this.plan, { a: true, b: false }, { tile: t, finish: true })}`;
  }
}

interface Backend {
  tensorMap: { has(dataId: object): boolean; get(dataId: object): { refCount: number } };
  disposeData(dataId: object): void;
}

/** Packed f16 copies of filters, by the filter's dataId; dropped once the filter is gone. */
const packed = new Map<object, TensorInfo>();

/** Filters packed to f16 so far that are still held (for the tests). */
export function packedFilterCount(): number {
  prune(tf.backend() as unknown as Backend);
  return packed.size;
}

function prune(backend: Backend): void {
  for (const [dataId, info] of packed) {
    // Disposed: gone, or (while queued GPU work still reads it) held with no references.
    if (!backend.tensorMap.has(dataId) || backend.tensorMap.get(dataId).refCount <= 0) {
      backend.disposeData(info.dataId);
      packed.delete(dataId);
    }
  }
}

function packedFilter(backend: Backend, filter: TensorInfo): TensorInfo {
  prune(backend);
  const hit = packed.get(filter.dataId);
  if (hit) return hit;
  const count = filter.shape.reduce((a, b) => a * b, 1);
  const program = new PackF16Program([Math.ceil(count / 2)]);
  const out = runProgram(backend, 'PackF16', program, [filter], [{ type: 'int32', data: [count] }], 'int32');
  packed.set(filter.dataId, out);
  // The packed copy outlives this kernel on purpose; TF.js's leak check (in tests) counts data
  // kept by a kernel, less the data moved meanwhile, so it is counted as one such move.
  const moves = (tf.engine() as unknown as { state: { numDataMovesStack: number[] } }).state.numDataMovesStack;
  if (moves.length > 0) moves[moves.length - 1]++;
  return out;
}

/** Our conv (f16 tiles where `half`), or null where it does not apply (the caller then runs TF.js's). */
export function conv2dGemm(
  backend: object,
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo },
  attrs: Partial<FusedConv2DAttrs> & Conv2DAttrs,
  half: boolean,
): TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } = attrs;
  const act = activation ?? 'linear';
  if (act !== 'linear' && act !== 'relu' && act !== 'leakyrelu') return null;
  if (preluActivationWeights || dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.reduce((a, b) => a * b, 1) !== filter.shape[3])) return null;
  if (dilations !== undefined && !backend_util.tupleValuesAreOne(dilations)) return null;
  const info = nhwcConvInfo(x.shape, filter.shape, strides, pad, dimRoundingMode);
  const alpha = act === 'leakyrelu' ? (leakyreluAlpha ?? 0.2) : 0;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const plan = planGemm(m, info.outChannels, info.filterHeight * info.filterWidth * info.inChannels);
  const w = half ? packedFilter(backend as Backend, filter) : filter;
  const extra = bias ? [bias] : [];
  const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (plan.splits === 1) {
    const program = new ConvProgram(outShape, plan, info, !!bias, act, alpha, half);
    return runProgram(backend, 'conv GEMM', program, [x, w, ...extra], gemmUniforms(plan));
  }
  // Split: the GEMM writes plain sums (a binding it does not read would break its layout).
  const planes = new ConvProgram([plan.splits, m * info.outChannels], plan, info, false, 'linear', 0, half);
  const product = runProgram(backend, 'conv GEMM', planes, [x, w], gemmUniforms(plan));
  return sumSplits(backend, product, outShape, plan.splits, { bias, code: activate(act, alpha), key: `${act}_${alpha}` });
}

/** Whether a gradient is being taken (a train step): the f16 conv is for inference only. */
function underGradient(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/** Which modes have been registered in this process (each by its own register function). */
const modes = { f32: false, f16: false };

/** Conv2D's or FusedConv2D's kernel: ours in the mode that applies, else `fallback` (TF.js's). */
function convKernel(fallback: KernelFunc, f32On: () => boolean): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as Parameters<typeof conv2dGemm>[1];
    const attrs = args.attrs as unknown as Parameters<typeof conv2dGemm>[2];
    let out: TensorInfo | null = null;
    if (modes.f16 && tf.env().getBool(F16_FLAG) && !underGradient()) {
      out = conv2dGemm(args.backend, inputs, attrs, !tf.env().getBool(AS_F32_FLAG));
    } else if (modes.f32 && f32On()) {
      out = conv2dGemm(args.backend, inputs, attrs, false);
    }
    return out ?? fallback(args);
  };
}

function replaceConvKernels(): void {
  for (const kernelName of ['Conv2D', 'FusedConv2D']) replaceWebgpuKernel(CONV_FLAG, kernelName, convKernel);
}

/** Puts our f32 conv in TF.js's Conv2D's and FusedConv2D's place on webgpu (flag SPADE_WEBGPU_CONV). */
export function registerWebGPUConv(): void {
  modes.f32 = true;
  replaceConvKernels();
}

/**
 * Makes the f16 conv available on webgpu where the device has shader-f16; the flag
 * SPADE_WEBGPU_F16 (off unless =1) then turns it on. Returns why it cannot, or undefined once it
 * is in place.
 */
export function registerWebGPUF16Conv(): string | undefined {
  const why = f16Unavailable();
  if (why) return why;
  registerOffFlag(F16_FLAG);
  registerOffFlag(AS_F32_FLAG);
  modes.f16 = true;
  replaceConvKernels();
  return undefined;
}
