/**
 * A tensor held in host memory, in PyTorch layout (row-major, NCHW / OIHW / (out, in)).
 * Checkpoint readers (safetensors, .pth) produce these; the model converts them to
 * TF.js layout when it loads them. Every dtype is widened to float32 on read:
 * the only integer tensors in a SPADE state dict are `num_batches_tracked` counters.
 */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
  /** dtype as stored in the file (`F32`, `F16`, `I64`, ...), kept for diagnostics and round trips. */
  sourceDtype: string;
}

export type NamedTensors = Map<string, HostTensor>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
