// The webview worker's backend order (src/webview/backend_order.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendCandidates, isSoftwareRenderer } from '../../src/webview/backend_order';

test("'auto' takes GPU backends on hardware only, then wasm, then a software WebGL, then cpu", () => {
  assert.deepEqual(backendCandidates('auto'), [
    { name: 'webgpu', software: false },
    { name: 'webgl', software: false },
    { name: 'wasm', software: true },
    { name: 'webgl', software: true },
    { name: 'cpu', software: true },
  ]);
});

test('a named backend starts there, takes any adapter and falls back along webgpu, webgl, wasm, cpu', () => {
  const names = (p: Parameters<typeof backendCandidates>[0]) => backendCandidates(p).map((c) => `${c.name}${c.software ? '' : '(hw)'}`).join(' ');
  assert.equal(names('webgpu'), 'webgpu webgl wasm cpu');
  assert.equal(names('webgl'), 'webgl wasm cpu');
  assert.equal(names('wasm'), 'wasm cpu');
  assert.equal(names('cpu'), 'cpu');
});

test('software adapters are recognised by the strings Chromium and Mesa report', () => {
  // Chromium's WebGPU fallback adapter (vendor + architecture, as the worker describes it) and
  // its WebGL renderer on this machine; Mesa's CPU drivers; Windows' software renderer.
  for (const s of ['google swiftshader', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'lavapipe', 'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11)']) {
    assert.ok(isSoftwareRenderer(s), s);
  }
  for (const s of ['nvidia ampere', 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)', 'apple metal-3', 'intel gen-12lp', undefined]) {
    assert.ok(!isSoftwareRenderer(s), String(s));
  }
});
