/**
 * Which TF.js backends the inference worker tries, and in what order.
 *
 * A GPU backend is only worth it on a GPU. Chromium without one still offers WebGPU and WebGL,
 * emulated on the CPU by SwiftShader, and there they are far slower than the wasm backend
 * (XNNPACK, SIMD): the default model at 256² took 33 s a frame on WebGPU (SwiftShader), 12.7 s
 * on WebGL (SwiftShader) and about 1 s on wasm in the same headless Chromium (README,
 * Benchmarks). So 'auto' takes WebGPU or WebGL only on a hardware adapter, then wasm; a software
 * WebGL comes after wasm (should wasm fail to load) and the pure-JS cpu backend last.
 * Naming a backend (spade.inferenceBackend) starts there and accepts whatever adapter it finds.
 */
import type { BackendName, BackendPreference } from './worker_protocol';

export interface Candidate {
  name: BackendName;
  /** Accept this backend on a software adapter (SwiftShader, llvmpipe). */
  software: boolean;
}

const CHAIN: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function backendCandidates(preference: BackendPreference): Candidate[] {
  if (preference === 'auto') {
    return [
      { name: 'webgpu', software: false },
      { name: 'webgl', software: false },
      { name: 'wasm', software: true },
      { name: 'webgl', software: true },
      { name: 'cpu', software: true },
    ];
  }
  return CHAIN.slice(CHAIN.indexOf(preference)).map((name) => ({ name, software: true }));
}

/** Renderer or adapter strings of CPU implementations of WebGPU/WebGL. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i;

export function isSoftwareRenderer(description: string | undefined): boolean {
  return description !== undefined && SOFTWARE.test(description);
}
