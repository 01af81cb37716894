/**
 * Starts a TF.js backend inside a bench worker, as the CLI does (webgpu through Dawn,
 * src/cli/webgpu_node.ts), and says what runs the kernels.
 */
import { selectBackend, webgpuAdapterInfo, webgpuF16Convs } from '../backend';

export const NODE_BENCH_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;

/** Returns a description of what runs the kernels. */
export async function startBenchBackend(name: string): Promise<string> {
  const started = await selectBackend(name);
  const gpu = webgpuAdapterInfo();
  if (started !== 'webgpu' || !gpu) return started;
  const f16 = webgpuF16Convs() ? ', f16 convs' : '';
  return `webgpu (Dawn ${gpu.flags.includes('backend=opengles') ? 'opengles' : 'vulkan'}: ${gpu.description}${f16})`;
}
