/**
 * Kernels that a SPADE training step needs on tfjs-backend-wasm 4.22 and that it lacks or
 * runs slowly, built from the backend's own fast XNNPACK Conv2D and MatMul:
 *  - Conv2DBackpropFilter: missing, so no train step ran on wasm at all;
 *  - Conv2DBackpropInput: present, but a plain loop about 27x slower than the forward conv;
 *  - GatherV2: present, but element by element; SPADE's segmap resizing (two gathers in every
 *    SPADE layer) took a large share of a wasm forward pass, in inference as in training.
 * Every other kernel of a full step (generator in all norm_G variants, encoder, multiscale
 * discriminator, GAN/feature/KLD losses) exists on wasm; test/model/nn/wasm_kernels.test.ts checks that.
 *
 * Call after '@tensorflow/tfjs-backend-wasm' has been imported (its module registers the
 * kernels this replaces); before or after tf.setBackend('wasm') both work. Pure tfjs-core:
 * runs in Node and in the browser.
 */
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type GatherV2Attrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope, isHeapBackend } from './wasm/kernel_scope';
import { gatherBlocks } from './wasm/gather';
import { conv2dBackpropFilterNHWC } from './wasm/conv_backprop_filter';
import { conv2dBackpropInputNHWC } from './wasm/conv_backprop_input';

const BACKEND = 'wasm';

/** Runs `body` in a scope that frees its intermediates (all of them if it throws). */
function composite(backend: KernelBackend, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend, BACKEND);
  try {
    return scope.finish(body(scope));
  } catch (e) {
    scope.dispose();
    throw e;
  }
}

const backpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (a.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports only NHWC, got ${a.dataFormat}`);
  return composite(backend as KernelBackend, (s) => conv2dBackpropFilterNHWC(s, inputs.x!, inputs.dy!, a));
};

function backpropInput(original: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (a.dataFormat !== 'NHWC') {
      if (original) return original.kernelFunc(args);
      throw new Error(`wasm Conv2DBackpropInput supports only NHWC, got ${a.dataFormat}`);
    }
    return composite(args.backend as KernelBackend, (s) => conv2dBackpropInputNHWC(s, args.inputs.dy!, args.inputs.filter!, a));
  };
}

function gather(original: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const out = isHeapBackend(args.backend)
      ? gatherBlocks(args.backend, args.inputs.x!, args.inputs.indices!, args.attrs as unknown as GatherV2Attrs)
      : null;
    if (out) return out;
    if (!original) throw new Error('internal: wasm has no GatherV2 kernel to fall back to');
    return original.kernelFunc(args);
  };
}

/** Replaces wasm's kernel `name` by `make(original)`, keeping the original's setupFunc. */
function replace(
  name: string,
  make: (original: KernelConfig | undefined) => KernelFunc,
  installed: Map<string, KernelFunc>,
): void {
  const current = getKernel(name, BACKEND);
  if (current && current.kernelFunc === installed.get(name)) return;
  // Keep wasm's own kernel as the fallback, and its setupFunc: the backend runs the setupFuncs
  // of the kernels registered when it initialises, and the original needs its C++ binding.
  const func = make(current);
  if (current) unregisterKernel(name, BACKEND);
  registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: func, setupFunc: current?.setupFunc });
  installed.set(name, func);
}

const installed = new Map<string, KernelFunc>();

/** Registers the kernels above for 'wasm' (each falls back to wasm's own where it does not apply). Idempotent. */
export function registerWasmTrainingKernels(): void {
  replace('Conv2DBackpropInput', backpropInput, installed);
  replace('Conv2DBackpropFilter', () => backpropFilter, installed);
  replace('GatherV2', gather, installed);
}
