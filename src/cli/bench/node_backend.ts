/**
 * Starts a TF.js backend inside a bench worker: wasm and cpu as the CLI does, webgpu
 * through Dawn (src/cli/webgpu_node.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { installNodeWebGPU } from '../webgpu_node';

export const NODE_BENCH_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;

/** Returns a description of what runs the kernels. */
export async function startBenchBackend(name: string): Promise<string> {
  if (name !== 'webgpu') return selectBackend(name);
  const gpu = await installNodeWebGPU();
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('webgpu'))) throw new Error('the TF.js webgpu backend did not start');
  await tf.ready();
  return `webgpu (Dawn ${gpu.driver}: ${gpu.adapter})`;
}
