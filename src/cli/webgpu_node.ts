/**
 * WebGPU in Node through Dawn (the `webgpu` npm package), for TF.js's webgpu backend
 * (TESTING.md §3). Dawn needs a Vulkan or GL driver: on a CPU machine that is Mesa's
 * lavapipe (Vulkan, Mesa ≥ 25) or llvmpipe through OpenGL ES (stock Debian 12 Mesa, in
 * WebGPU's compatibility mode). Vulkan is tried first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface NodeGpu {
  /** 'vulkan' or 'opengles' */
  driver: string;
  adapter: string;
}

let installed: NodeGpu | null = null;

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Puts Dawn's `navigator.gpu` and the WebGPU globals in place. Call it before the TF.js
 * webgpu backend is first used. Throws when no adapter can be had.
 */
export async function installNodeWebGPU(): Promise<NodeGpu> {
  if (installed) return installed;
  // Dawn warns (and some drivers fail) without a runtime dir.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `spade-xdg-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  // An ES module that loads a native addon: kept out of the bundle (scripts/build.mjs).
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const attempts: { driver: string; flags: string[]; options: GPURequestAdapterOptions }[] = [
    { driver: 'vulkan', flags: [], options: {} },
    { driver: 'opengles', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } as GPURequestAdapterOptions },
  ];
  process.env.EGL_PLATFORM ??= 'surfaceless';
  for (const a of attempts) {
    const gpu = dawn.create(a.flags);
    const adapter = await gpu.requestAdapter(a.options);
    if (!adapter) continue;
    // TF.js asks for its adapter itself; pass the options that found this one.
    const nav = {
      gpu: {
        requestAdapter: (o?: GPURequestAdapterOptions) => gpu.requestAdapter({ ...o, ...a.options }),
        getPreferredCanvasFormat: () => 'rgba8unorm' as GPUTextureFormat,
        wgslLanguageFeatures: gpu.wgslLanguageFeatures,
      },
    };
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    const info = adapter.info;
    const desc = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
    installed = { driver: a.driver, adapter: desc || a.driver };
    return installed;
  }
  throw new Error('WebGPU (Dawn) found no adapter: install Mesa lavapipe (mesa-vulkan-drivers ≥ 25) or an OpenGL ES driver');
}
