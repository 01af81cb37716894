/**
 * TF.js backend choice for Node. Default: wasm (SIMD, about 30x faster than the pure-JS
 * cpu backend on SPADE's convolutions), falling back to cpu if wasm cannot start.
 * `--backend webgpu|wasm|cpu` (or SPADE_BACKEND) picks one explicitly; webgpu runs on Dawn
 * (src/cli/webgpu_node.ts). `auto` (spade train's default, auto_backend.ts) takes webgpu only on
 * a hardware adapter, since a software rasteriser is slower than wasm.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// Registers the cpu backend. The CLI bundle resolves the ESM entry (scripts/build.mjs), which the
// package lists as having side effects, so esbuild keeps this import.
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { SpadeInputError } from '../model/errors';
import { registerDawnWebGPU, type DawnAdapter } from './webgpu_node';
import { chooseAuto } from './auto_backend';
import { registerWasmTrainingKernels } from '../model/nn/wasm_kernels';
import { installScalarConstants } from '../model/nn/webgpu_constants';
import { installBindGroupCache } from '../model/nn/webgpu_bind_groups';
import { F16_FLAG, registerWebGPUF16Conv } from '../model/nn/webgpu_conv';

export const NODE_BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;

/** Dispatches TF.js's webgpu backend encodes before it submits them. */
export const WEBGPU_SUBMIT_BATCH = 256;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** The .wasm binaries sit beside the bundle (dist/) or in node_modules when run from source. */
function wasmDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  if (path.basename(here) === 'dist') return here + path.sep;
  return path.join(here, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep;
}

/** Set once the webgpu backend has started: which adapter Dawn found. */
let webgpuAdapter: DawnAdapter | undefined;

export function webgpuAdapterInfo(): DawnAdapter | undefined {
  return webgpuAdapter;
}

/** Set when SPADE_WEBGPU_F16=1 asked for f16 convs and the device has shader-f16. */
let f16Convs = false;

export function webgpuF16Convs(): boolean {
  return f16Convs;
}

/** Set when `auto` chose: which backend and why. */
let autoNote: string | undefined;

/** `auto`'s choice and its reason, for a run's first line; undefined if auto was not asked for. */
export function autoBackendNote(): string | undefined {
  return autoNote;
}

export async function selectBackend(requested?: string, fallback?: 'auto'): Promise<NodeBackend> {
  let want = requested ?? process.env.SPADE_BACKEND ?? fallback;
  if (want !== undefined && want !== 'auto' && !(NODE_BACKENDS as readonly string[]).includes(want)) {
    throw new SpadeInputError(`--backend must be one of ${NODE_BACKENDS.join(', ')} or auto, got '${want}'`);
  }
  if (want === 'auto') {
    const choice = await chooseAuto();
    try {
      const started = await selectBackend(choice.backend);
      autoNote = `backend: ${started} (auto: ${choice.reason})`;
      return started;
    } catch (e) {
      if (choice.backend !== 'webgpu') throw e;
      autoNote = `backend: wasm (auto: webgpu could not start: ${(e as Error).message.split('\n')[0]})`;
      want = 'wasm';
    }
  }
  // PROD silences tfjs' console advice to install tfjs-node (which cannot install offline).
  tf.env().set('PROD', true);
  const order: NodeBackend[] = want ? [want as NodeBackend] : ['wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'wasm') setWasmPaths(wasmDir());
      if (name === 'webgpu') webgpuAdapter = await registerDawnWebGPU();
      if (await tf.setBackend(name)) {
        await tf.ready();
        // wasm lacks Conv2DBackpropFilter (and has a slow Conv2DBackpropInput): needed to train.
        if (name === 'wasm') registerWasmTrainingKernels();
        // One GPU buffer per distinct scalar constant, not an upload per use.
        if (name === 'webgpu') {
          installScalarConstants();
          // A bind group and uniforms made once per distinct dispatch, not for every dispatch.
          installBindGroupCache();
          // TF.js's default submits every few dispatches, which makes submits a train step's largest
          // fixed cost; buffers freed meanwhile return to the pool only at a submit, hence a bound.
          tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', WEBGPU_SUBMIT_BATCH);
          if (process.env[F16_FLAG] === '1') {
            const why = registerWebGPUF16Conv();
            f16Convs = why === undefined;
            if (why) console.error(`spade: ${F16_FLAG}=1 ignored, convs stay f32: ${why}`);
          }
        }
        return name;
      }
    } catch (e) {
      if (want) throw new SpadeInputError(`--backend ${name} could not start: ${(e as Error).message}`);
    }
  }
  throw new Error('no TF.js backend could start');
}
