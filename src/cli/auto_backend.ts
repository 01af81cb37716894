/**
 * `--backend auto` (spade train's default): webgpu when Dawn finds a hardware adapter, wasm
 * otherwise. A software adapter (Mesa's llvmpipe or lavapipe, SwiftShader) runs WebGPU on the
 * CPU far slower than wasm does, so it counts as none.
 */
import { registerDawnWebGPU } from './webgpu_node';

export interface AutoChoice {
  backend: 'webgpu' | 'wasm';
  /** Why, for the run's first line. */
  reason: string;
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer|\bcpu\b/i;

/** Whether an adapter, by the description Dawn gives of it, renders on the CPU. */
export function isSoftwareAdapter(description: string): boolean {
  return SOFTWARE.test(description);
}

export async function chooseAuto(): Promise<AutoChoice> {
  try {
    const adapter = await registerDawnWebGPU();
    if (isSoftwareAdapter(adapter.description)) {
      return { backend: 'wasm', reason: `the only WebGPU adapter is a software one (${adapter.description}), slower than wasm` };
    }
    return { backend: 'webgpu', reason: `hardware WebGPU adapter: ${adapter.description}` };
  } catch (e) {
    return { backend: 'wasm', reason: `no WebGPU adapter (${(e as Error).message.split('\n')[0].slice(0, 160)})` };
  }
}
