/**
 * Loads a reference case from test/fixtures/spade-reference (NVlabs/SPADE outputs, NCHW)
 * and compares TF.js results (NHWC) against it, relative to the reference's max |value|
 * with the same threshold as an absolute floor (as the fixtures' README suggests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../../src/model/checkpoint/safetensors';
import type { HostTensor, NamedTensors } from '../../src/model/checkpoint/host_tensor';
import { toTorchLayout } from '../../src/model/nn/params';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'spade-reference');

export interface RefCase {
  dir: string;
  json: {
    options: Record<string, unknown>;
    state_dict_keys: Record<string, [string, number[], string][]> | [string, number[], string][];
  };
  io: NamedTensors;
  weights: NamedTensors;
}

export function loadCase(name: string): RefCase {
  const dir = path.join(FIXTURES, name);
  const read = (f: string) => readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, f))), f).tensors;
  return { dir, json: JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')), io: read('io.safetensors'), weights: read('weights.safetensors') };
}

/** The tensors of one net (`G.`, `E.`, ...) without the prefix and without `weight_effective`. */
export function netWeights(c: RefCase, net: string): NamedTensors {
  const out: NamedTensors = new Map();
  for (const [k, v] of c.weights) {
    if (k.startsWith(`${net}.`) && !k.endsWith('.weight_effective')) out.set(k.slice(net.length + 1), v);
  }
  return out;
}

export function ref(c: RefCase, name: string): HostTensor {
  const t = c.io.get(name);
  assert.ok(t, `fixture has no tensor '${name}'`);
  return t;
}

/** NCHW fixture tensor -> NHWC tf tensor (other ranks unchanged). */
export function nhwc(t: HostTensor): tf.Tensor {
  const x = tf.tensor(t.data, t.shape, 'float32');
  if (t.shape.length !== 4) return x;
  const y = tf.transpose(x, [0, 2, 3, 1]);
  x.dispose();
  return y;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a − b| relative to max(|b|, 1), the fixtures' tolerance; a NaN anywhere gives Infinity. */
export function relErrArrays(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'element count');
  let err = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
  }
  return err / Math.max(maxAbs(expected), 1);
}

/** Relative error of `actual` vs `expected` (same layout and shape). */
export function relErr(actual: ArrayLike<number>, expected: HostTensor): number {
  return relErrArrays(actual, expected.data);
}

/** Compares an NHWC activation with an NCHW reference. */
export function assertActivation(actual: tf.Tensor, expected: HostTensor, tol: number, name: string): number {
  const t = actual.rank === 4 ? tf.transpose(actual, [0, 3, 1, 2]) : actual;
  assert.deepEqual(t.shape, expected.shape, `${name}: shape`);
  const e = relErr(t.dataSync(), expected);
  if (t !== actual) t.dispose();
  assert.ok(e <= tol, `${name}: relative error ${e.toExponential(2)} > ${tol}`);
  return e;
}

/** Compares a parameter-shaped tensor in TF layout with a PyTorch-layout reference. */
export function assertParam(actualTf: tf.Tensor, expected: HostTensor, tol: number, name: string): number {
  const t = tf.tidy(() => toTorchLayout(actualTf));
  assert.deepEqual(t.shape, expected.shape, `${name}: shape`);
  const e = relErr(t.dataSync(), expected);
  t.dispose();
  assert.ok(e <= tol, `${name}: relative error ${e.toExponential(2)} > ${tol}`);
  return e;
}

/** webgpu: Dawn (the `webgpu` package) on whatever adapter this machine has (llvmpipe/lavapipe in CI). */
export async function useBackend(name: 'cpu' | 'wasm' | 'webgpu'): Promise<void> {
  tf.env().set('IS_TEST', true); // quiets tfjs' advice to install tfjs-node
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await (await import('../../src/cli/webgpu_node')).registerDawnWebGPU();
  assert.ok(await tf.setBackend(name), `backend ${name} failed to initialise`);
  await tf.ready();
}
