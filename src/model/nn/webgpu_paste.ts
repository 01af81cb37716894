/**
 * A tensor with a patch copied over a box, in one WebGPU dispatch: each output element is read
 * from the patch inside the box and from the full tensor elsewhere, the box being uniforms. The
 * dirty-region renderer pastes every patched modulation and block output this way; composed
 * from TF.js ops a paste is an index list uploaded from the host (a gather) or several slices
 * and concats. Exact copies. Only for tfjs-backend-webgpu (registered on first use).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { runProgram, webgpuKernels } from './webgpu_program';
import type { Box } from './box';

export const KERNEL_NAME = 'SpadePaste';
const FLAG = 'SPADE_WEBGPU_PASTE';

class PasteProgram implements WebGPUProgram {
  // Not 'patch': a reserved word in WGSL.
  readonly variableNames = ['base', 'part'];
  readonly uniforms = 'h : i32, w : i32, c : i32, y0 : i32, x0 : i32, bh : i32, bw : i32,';
  readonly workgroupSize: [number, number, number] = [128, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey = 'spadePaste';

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.ceil(shape.reduce((a, b) => a * b, 1) / this.workgroupSize[0]), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let ch = index % uniforms.c;
          let p = index / uniforms.c;
          let x = p % uniforms.w - uniforms.x0;
          let q = p / uniforms.w;
          let y = q % uniforms.h - uniforms.y0;
          let k = q / uniforms.h;
          if (x >= 0 && x < uniforms.bw && y >= 0 && y < uniforms.bh) {
            setOutputAtIndex(index, part[((k * uniforms.bh + y) * uniforms.bw + x) * uniforms.c + ch]);
          } else {
            setOutputAtIndex(index, base[index]);
          }
        }
      }`;
  }
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { full, patch } = inputs as Record<string, TensorInfo>;
  const [, h, w, c] = full.shape;
  const { y0, x0 } = attrs as unknown as { y0: number; x0: number };
  const [, bh, bw] = patch.shape;
  const uniforms = [h, w, c, y0, x0, bh, bw].map((v) => ({ type: 'int32' as const, data: [v] }));
  return runProgram(backend, KERNEL_NAME, new PasteProgram(full.shape), [full, patch], uniforms);
};

/** Whether the one-dispatch paste runs here (registering it on first use). */
export const canPasteOnWebGPU = webgpuKernels(FLAG, { [KERNEL_NAME]: kernelFunc });

/** full (N, H, W, C) with patch (N, box rows, box cols, C) at box. Call only when canPasteOnWebGPU() is true. */
export function pasteOnWebGPU(full: tf.Tensor4D, patch: tf.Tensor4D, box: Box): tf.Tensor4D {
  const [n, h, w, c] = full.shape;
  const want = [n, box.y1 - box.y0, box.x1 - box.x0, c];
  if (!tf.util.arraysEqual(patch.shape, want) || box.y0 < 0 || box.x0 < 0 || box.y1 > h || box.x1 > w) {
    throw new Error(`${KERNEL_NAME}: patch ${patch.shape} does not fit box ${JSON.stringify(box)} of ${full.shape}`);
  }
  return tf.engine().runKernel(KERNEL_NAME, { full, patch }, { y0: box.y0, x0: box.x0 }) as tf.Tensor4D;
}
