/**
 * Kernels that a SPADE training step needs on tfjs-backend-wasm 4.22 and that it lacks or
 * runs slowly, built from the backend's own fast XNNPACK Conv2D and MatMul:
 *  - Conv2DBackpropFilter: missing, so no train step ran on wasm at all;
 *  - Conv2DBackpropInput: present, but a plain loop about 27x slower than the forward conv.
 * Every other kernel of a full step (generator in all norm_G variants, encoder, multiscale
 * discriminator, GAN/feature/KLD losses) exists on wasm; test/wasm_kernels.test.ts checks that.
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
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from './wasm/kernel_scope';
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

let installedInput: KernelFunc | undefined;

/** Registers the kernels above for 'wasm'. Idempotent. */
export function registerWasmTrainingKernels(): void {
  const current = getKernel('Conv2DBackpropInput', BACKEND);
  if (!installedInput || current?.kernelFunc !== installedInput) {
    // Keep wasm's own kernel for NCHW, and its setupFunc: the backend runs the setupFuncs of
    // the kernels registered when it initialises, and that kernel needs its C++ binding.
    installedInput = backpropInput(current);
    if (current) unregisterKernel('Conv2DBackpropInput', BACKEND);
    registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: BACKEND, kernelFunc: installedInput, setupFunc: current?.setupFunc });
  }
  const filter = getKernel('Conv2DBackpropFilter', BACKEND);
  if (filter?.kernelFunc !== backpropFilter) {
    if (filter) unregisterKernel('Conv2DBackpropFilter', BACKEND);
    registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: backpropFilter });
  }
}
