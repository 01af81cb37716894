/**
 * The tiled matrix product behind our WebGPU conv backprop kernels (an implicit GEMM: the
 * operands are read from the conv's tensors by index arithmetic, never laid out as matrices).
 *
 *   out[m, n] = sum over k in the workgroup's slice of A(k, m) * B(k, n)
 *
 * A workgroup of 16 x 16 threads owns a TILE_M x tileN block of the output; each step loads a
 * TILE_K-deep slab of A and B into shared memory, then every thread accumulates its
 * (TILE_M / 16) x (tileN / 16) outputs from it. Workgroup z is the split: slice z of the
 * reduction, written to its own (M x N) plane of the output, which a second, elementwise
 * program adds up (split-K) when the output alone makes too few workgroups to fill a GPU.
 *
 * The program that uses this supplies `fn loadA(k : i32, m : i32) -> f32` and
 * `fn loadB(k : i32, n : i32) -> f32` (zero outside the operand) and the uniforms
 * `gemmM, gemmN, gemmK, slice : i32`.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export const TILE_M = 64;
export const TILE_K = 16;
const SIDE = 16;
/** Workgroups a split aims for, and the fewest reduction steps worth a slice of their own. */
const TARGET_WORKGROUPS = 128;
const MIN_SLICE = 1024;

export const GEMM_UNIFORMS = 'gemmM : i32, gemmN : i32, gemmK : i32, slice : i32,';

/** The output tile's width: narrow outputs (few output channels) waste less of a 32-wide tile. */
export function tileN(n: number): number {
  return n <= 32 ? 32 : 64;
}

export interface GemmPlan {
  tileN: number;
  /** Reduction slices (1: no split, the GEMM writes the result itself). */
  splits: number;
  /** Reduction steps per slice, a multiple of TILE_K. */
  slice: number;
  dispatch: [number, number, number];
}

/** Tiles for an M x N output reduced over K; split-K only where the tiles alone are few and K is long. */
export function planGemm(m: number, n: number, k: number): GemmPlan {
  const tn = tileN(n);
  const tiles = Math.ceil(m / TILE_M) * Math.ceil(n / tn);
  let splits = 1;
  if (tiles < TARGET_WORKGROUPS && k >= 2 * MIN_SLICE) {
    splits = Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(k / MIN_SLICE));
  }
  const slice = Math.ceil(Math.ceil(k / splits) / TILE_K) * TILE_K;
  splits = Math.ceil(k / slice);
  return { tileN: tn, splits, slice, dispatch: [Math.ceil(n / tn), Math.ceil(m / TILE_M), splits] };
}

/** The GEMM uniforms for runProgram, after the program's own. */
export function gemmUniforms(m: number, n: number, k: number, plan: GemmPlan): Array<{ type: 'int32'; data: number[] }> {
  return [
    { type: 'int32', data: [m] },
    { type: 'int32', data: [n] },
    { type: 'int32', data: [k] },
    { type: 'int32', data: [plan.slice] },
  ];
}

/** WGSL `main` of the tiled GEMM, for an output of TILE_M x tn tiles (see above). */
export function gemmMain(tn: number): string {
  const rowsPerThread = TILE_M / SIDE;
  const colsPerThread = tn / SIDE;
  const threads = SIDE * SIDE;
  return `
      var<workgroup> tileA : array<f32, ${TILE_K * TILE_M}>;
      var<workgroup> tileB : array<f32, ${TILE_K * tn}>;
      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let lid = i32(localIndex);
        let n0 = i32(workgroupId.x) * ${tn};
        let m0 = i32(workgroupId.y) * ${TILE_M};
        let split = i32(workgroupId.z);
        let kBegin = split * uniforms.slice;
        let kEnd = min(uniforms.gemmK, kBegin + uniforms.slice);
        var acc : array<array<f32, ${colsPerThread}>, ${rowsPerThread}>;
        for (var i = 0; i < ${rowsPerThread}; i++) {
          for (var j = 0; j < ${colsPerThread}; j++) {
            acc[i][j] = 0.0;
          }
        }
        // The trip count is a uniform, so every barrier is reached by the whole workgroup.
        for (var t = 0; t < uniforms.slice; t = t + ${TILE_K}) {
          let k0 = kBegin + t;
          for (var e = lid; e < ${TILE_K * TILE_M}; e = e + ${threads}) {
            let k = k0 + e / ${TILE_M};
            let m = m0 + e % ${TILE_M};
            var v = 0.0;
            if (k < kEnd && m < uniforms.gemmM) {
              v = loadA(k, m);
            }
            tileA[e] = v;
          }
          for (var e = lid; e < ${TILE_K * tn}; e = e + ${threads}) {
            let k = k0 + e / ${tn};
            let n = n0 + e % ${tn};
            var v = 0.0;
            if (k < kEnd && n < uniforms.gemmN) {
              v = loadB(k, n);
            }
            tileB[e] = v;
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk++) {
            var a : array<f32, ${rowsPerThread}>;
            for (var i = 0; i < ${rowsPerThread}; i++) {
              a[i] = tileA[kk * ${TILE_M} + ty + i * ${SIDE}];
            }
            for (var j = 0; j < ${colsPerThread}; j++) {
              let b = tileB[kk * ${tn} + tx + j * ${SIDE}];
              for (var i = 0; i < ${rowsPerThread}; i++) {
                acc[i][j] = fma(a[i], b, acc[i][j]);
              }
            }
          }
          workgroupBarrier();
        }
        let plane = split * uniforms.gemmM * uniforms.gemmN;
        for (var i = 0; i < ${rowsPerThread}; i++) {
          let m = m0 + ty + i * ${SIDE};
          for (var j = 0; j < ${colsPerThread}; j++) {
            let n = n0 + tx + j * ${SIDE};
            if (m < uniforms.gemmM && n < uniforms.gemmN) {
              result[plane + m * uniforms.gemmN + n] = acc[i][j];
            }
          }
        }
      }`;
}

export const GEMM_WORKGROUP: [number, number, number] = [SIDE, SIDE, 1];

/** Adds up the split planes (splits x size) into the result, one thread per output value. */
export class SumSplitsProgram implements WebGPUProgram {
  readonly variableNames = ['planes'];
  readonly uniforms = 'splits : i32,';
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey = 'spadeSumSplits';

  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const size = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var s = 0.0;
          for (var p = 0; p < uniforms.splits; p++) {
            s = s + planes[p * uniforms.size + index];
          }
          setOutputAtIndex(index, s);
        }
      }`;
  }
}
