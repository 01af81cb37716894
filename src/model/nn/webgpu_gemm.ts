/**
 * The tiled matrix product behind our WebGPU conv backprop kernels (an implicit GEMM: the
 * operands are read from the conv's tensors by index arithmetic, never laid out as matrices).
 *
 *   out[m, n] = sum over k in the workgroup's slice of A(k, m) * B(k, n)
 *
 * A workgroup of 8 x 8 threads owns a TILE_M x tileN block of the output; each step loads a
 * TILE_K-deep slab of A and B into shared memory, then every thread accumulates its
 * (TILE_M / 8) x (tileN / 8) outputs from it (several outputs per value read from shared memory).
 * Workgroup z is the split: slice z of the reduction, written to its own (M x N) plane of the
 * output, which a second, elementwise program adds up (split-K) when the output alone makes too
 * few workgroups to fill a GPU.
 *
 * The program that uses this supplies `fn loadA(k : u32, m : u32) -> T` and
 * `fn loadB(k : u32, n : u32) -> T`, called only inside the operands, and declares the
 * uniforms GEMM_UNIFORMS, set by gemmUniforms. T is the shared tiles' type: f32, or f16 for the
 * half-precision forward (webgpu_conv.ts), whose products and sums are still f32.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { runProgram } from './webgpu_program';

export const TILE_M = 64;
export const TILE_K = 16;
const SIDE = 8;
/**
 * Workgroups a split aims for, the fewest reduction steps worth a slice of their own, and the
 * fewest multiply-adds worth the split's second dispatch (below it the product is too small for
 * the GPU's width to matter).
 */
const TARGET_WORKGROUPS = 128;
const MIN_SLICE = 1024;
const MIN_SPLIT_WORK = 1 << 24;
/**
 * The longest slice: bounded serial work per workgroup, and llvmpipe returned partial sums for
 * unsplit reductions several times longer (a limit on shader loop iterations, we believe).
 */
const MAX_SLICE = 4096;

/** The output tile's width: the narrowest of 8, 16, 32 and 64 that covers n (few channels waste less). */
export function tileN(n: number): number {
  for (const w of [8, 16, 32]) if (n <= w) return w;
  return 64;
}

export interface GemmPlan {
  m: number;
  n: number;
  k: number;
  tileN: number;
  /** Reduction slices (1: no split, the GEMM writes the result itself). */
  splits: number;
  /** Reduction steps per slice, a multiple of TILE_K. */
  slice: number;
  dispatch: [number, number, number];
}

/**
 * Tiles for an M x N output reduced over K; split-K where the tiles alone are few, K is long and
 * the work large, and wherever K is longer than MAX_SLICE.
 */
export function planGemm(m: number, n: number, k: number): GemmPlan {
  const tn = tileN(n);
  const tiles = Math.ceil(m / TILE_M) * Math.ceil(n / tn);
  let splits = 1;
  if (tiles < TARGET_WORKGROUPS && k >= 2 * MIN_SLICE && m * n * k >= MIN_SPLIT_WORK) {
    splits = Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(k / MIN_SLICE));
  }
  splits = Math.max(splits, Math.ceil(k / MAX_SLICE));
  const slice = Math.ceil(Math.ceil(k / splits) / TILE_K) * TILE_K;
  splits = Math.ceil(k / slice);
  return { m, n, k, tileN: tn, splits, slice, dispatch: [Math.ceil(n / tn), Math.ceil(m / TILE_M), splits] };
}

export const GEMM_UNIFORMS = 'slice : i32,';

export function gemmUniforms(plan: GemmPlan): Array<{ type: 'int32'; data: number[] }> {
  return [{ type: 'int32', data: [plan.slice] }];
}

/** A shader key part for a plan: its sizes are constants in the shader. */
export function planKey(plan: GemmPlan): string {
  return `${plan.m}_${plan.n}_${plan.k}_${plan.slice}_${plan.tileN}`;
}

/**
 * WGSL \`main\` of the tiled GEMM for \`plan\` (see above). The sizes are constants in the
 * shader (so are the conv's, in the loaders): a division by a constant compiles to a multiply
 * and shift, where one by a uniform is a real division in every load, the costliest part of an
 * implicit GEMM on the CPU adapters. So a shader serves one conv shape. \`kFastest\` says, per
 * operand, whether neighbouring threads should load neighbouring k (where k, not the row or
 * column, is the contiguous axis in memory).
 */
export function gemmMain(plan: GemmPlan, kFastest: { a: boolean; b: boolean }, opts: GemmOptions = {}): string {
  const tn = plan.tileN;
  const t = opts.tile ?? 'f32';
  const store = opts.finish && plan.splits === 1 ? 'finish(n, acc[i][j])' : 'acc[i][j]';
  const rowsPerThread = TILE_M / SIDE;
  const colsPerThread = tn / SIDE;
  const threads = SIDE * SIDE;
  return `
      var<workgroup> tileA : array<${t}, ${TILE_K * TILE_M}>;
      var<workgroup> tileB : array<${t}, ${TILE_K * tn}>;
      fn main() {
        let tx = localId.x;
        let ty = localId.y;
        let lid = localIndex;
        let n0 = workgroupId.x * ${tn}u;
        let m0 = workgroupId.y * ${TILE_M}u;
        let split = workgroupId.z;
        let kBegin = split * ${plan.slice}u;
        let kEnd = min(${plan.k}u, kBegin + ${plan.slice}u);
        var acc : array<array<f32, ${colsPerThread}>, ${rowsPerThread}>;
        for (var i = 0u; i < ${rowsPerThread}u; i++) {
          for (var j = 0u; j < ${colsPerThread}u; j++) {
            acc[i][j] = 0.0;
          }
        }
        // The trip count is a uniform (the shader must read one to have its uniform binding):
        // every barrier is reached by the whole workgroup.
        for (var t = 0u; t < u32(uniforms.slice); t = t + ${TILE_K}u) {
          let k0 = kBegin + t;
          for (var e = lid; e < ${TILE_K * TILE_M}u; e = e + ${threads}u) {
            ${tileIndex(kFastest.a, TILE_M)}
            let k = k0 + kk;
            let m = m0 + j;
            var v = ${t}(0.0);
            if (k < kEnd && m < ${plan.m}u) {
              v = loadA(k, m);
            }
            tileA[kk * ${TILE_M}u + j] = v;
          }
          for (var e = lid; e < ${TILE_K * tn}u; e = e + ${threads}u) {
            ${tileIndex(kFastest.b, tn)}
            let k = k0 + kk;
            let n = n0 + j;
            var v = ${t}(0.0);
            if (k < kEnd && n < ${plan.n}u) {
              v = loadB(k, n);
            }
            tileB[kk * ${tn}u + j] = v;
          }
          workgroupBarrier();
          for (var kk = 0u; kk < ${TILE_K}u; kk++) {
            var a : array<f32, ${rowsPerThread}>;
            for (var i = 0u; i < ${rowsPerThread}u; i++) {
              a[i] = f32(tileA[kk * ${TILE_M}u + ty + i * ${SIDE}u]);
            }
            for (var j = 0u; j < ${colsPerThread}u; j++) {
              let b = f32(tileB[kk * ${tn}u + tx + j * ${SIDE}u]);
              for (var i = 0u; i < ${rowsPerThread}u; i++) {
                acc[i][j] = fma(a[i], b, acc[i][j]);
              }
            }
          }
          workgroupBarrier();
        }
        let plane = split * ${plan.m * plan.n}u;
        for (var i = 0u; i < ${rowsPerThread}u; i++) {
          let m = m0 + ty + i * ${SIDE}u;
          for (var j = 0u; j < ${colsPerThread}u; j++) {
            let n = n0 + tx + j * ${SIDE}u;
            if (m < ${plan.m}u && n < ${plan.n}u) {
              result[plane + m * ${plan.n}u + n] = ${store};
            }
          }
        }
      }`;
}

export interface GemmOptions {
  /** The shared tiles' type (f16 needs \`enable f16\`, see webgpu_f16.ts). */
  tile?: 'f32' | 'f16';
  /** Without a split, write \`finish(n, sum)\` (the program supplies it: bias, activation). */
  finish?: boolean;
}

/** WGSL: the shared tile's row kk (reduction) and column j for a thread's e-th load. */
function tileIndex(kFastest: boolean, width: number): string {
  return kFastest
    ? `let kk = e % ${TILE_K}u; let j = e / ${TILE_K}u;`
    : `let kk = e / ${width}u; let j = e % ${width}u;`;
}

export const GEMM_WORKGROUP: [number, number, number] = [SIDE, SIDE, 1];

/**
 * A convolution's gradient as one GEMM program over the plan's output tiles. The conv's sizes are
 * constants in the shader (a division by a constant is cheap, one by a uniform was not), so the
 * shader key names all of them; subclasses give loadA / loadB.
 */
export abstract class ConvGemmProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  readonly uniforms = GEMM_UNIFORMS;
  readonly workgroupSize = GEMM_WORKGROUP;
  // Not flat: main() reads its tile from workgroupId.
  readonly dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    readonly outputShape: number[],
    readonly plan: GemmPlan,
    readonly info: backend_util.Conv2DInfo,
    name: string,
  ) {
    this.dispatch = plan.dispatch;
    const c = info;
    const sizes = [c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.filterWidth, c.strideHeight, c.strideWidth];
    this.shaderKey = `${name}_${planKey(plan)}_${[...sizes, c.padInfo.top, c.padInfo.left].join('_')}`;
  }

  abstract getUserCode(): string;

  /**
   * WGSL \`fn im2col(pixel : u32, tap : u32) -> f32\`: the input \`x\` as the conv reads it for
   * output pixel (n, oh, ow) and filter tap (kh, kw, ci), ci fastest; 0 in the padding.
   */
  protected im2col(): string {
    const c = this.info;
    return `
      fn im2col(pixel : u32, tap : u32) -> f32 {
        let ci = tap % ${c.inChannels}u;
        let khw = tap / ${c.inChannels}u;
        let kw = i32(khw % ${c.filterWidth}u);
        let kh = i32(khw / ${c.filterWidth}u);
        let ow = i32(pixel % ${c.outWidth}u);
        let nh = pixel / ${c.outWidth}u;
        let oh = i32(nh % ${c.outHeight}u);
        let n = nh / ${c.outHeight}u;
        let ih = oh * ${c.strideHeight} - ${c.padInfo.top} + kh;
        let iw = ow * ${c.strideWidth} - ${c.padInfo.left} + kw;
        if (ih < 0 || ih >= ${c.inHeight} || iw < 0 || iw >= ${c.inWidth}) {
          return 0.0;
        }
        return x[((n * ${c.inHeight}u + u32(ih)) * ${c.inWidth}u + u32(iw)) * ${c.inChannels}u + ci];
      }`;
  }
}

/**
 * The conv's sizes as TF.js computes them, for the NHWC, undilated, non-depthwise convs our GEMM
 * kernels take (forward, and both gradients from the forward conv's shapes).
 */
export function nhwcConvInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: Parameters<typeof backend_util.computeConv2DInfo>[4],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): backend_util.Conv2DInfo {
  const four = (s: readonly number[]) => s as [number, number, number, number];
  return backend_util.computeConv2DInfo(four(xShape), four(filterShape), strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

/** What follows the sum of the split planes: a per-channel bias (the last axis), then WGSL on \`y\`. */
export interface SplitsEpilogue {
  bias?: TensorInfo;
  /** WGSL that changes \`y\` (an activation); part of the shader, so also named by \`key\`. */
  code: string;
  key: string;
}

/**
 * The split planes (splits x the output's size) added up into one tensor of \`shape\`, then the
 * epilogue if any; frees the planes.
 */
export function sumSplits(
  backend: object,
  planes: TensorInfo,
  shape: number[],
  splits: number,
  epilogue?: SplitsEpilogue,
): TensorInfo {
  const program = new SumSplitsProgram(shape, epilogue);
  const uniforms = [
    { type: 'int32' as const, data: [splits] },
    { type: 'int32' as const, data: [shape[shape.length - 1]] },
  ];
  const inputs = epilogue?.bias ? [planes, epilogue.bias] : [planes];
  const sum = runProgram(backend, 'split-K sum', program, inputs, uniforms);
  (backend as { disposeData(id: object): void }).disposeData(planes.dataId);
  return sum;
}

/** Adds up the split planes (splits x size) into the result, one thread per output value. */
export class SumSplitsProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly uniforms = 'splits : i32, channels : i32,';
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    outputShape: number[],
    private readonly epilogue?: SplitsEpilogue,
  ) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const size = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
    this.variableNames = epilogue?.bias ? ['planes', 'bias'] : ['planes'];
    this.shaderKey = epilogue ? `spadeSumSplits_${!!epilogue.bias}_${epilogue.key}` : 'spadeSumSplits';
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var y = 0.0;
          for (var p = 0; p < uniforms.splits; p++) {
            y = y + planes[p * uniforms.size + index];
          }
          ${this.epilogue?.bias ? 'y = y + bias[index % uniforms.channels];' : ''}
          ${this.epilogue?.code ?? ''}
          setOutputAtIndex(index, y);
        }
      }`;
  }
}
