/**
 * What a forward pass needs besides its inputs: the parameters, the mode, and places to
 * put what train mode changes (BatchNorm running stats, spectral-norm u/v) and, for tests
 * and debugging, named intermediate activations ("taps", like PyTorch forward hooks).
 *
 * Buffer updates are collected rather than assigned during the forward pass, so that a
 * gradient tape never sees a variable change under it; `ParamStore.applyUpdates` writes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './params';
import type { CrossReplica } from './sync_moments';

export class Ctx {
  readonly updates = new Map<string, tf.Tensor>();
  /** Data-parallel training: BatchNorm takes its train-mode statistics over every replica's part of the batch. */
  replica?: CrossReplica;

  constructor(
    readonly params: ParamStore,
    readonly training: boolean,
    /** When given, `tap(name, t)` keeps a copy of t under that name (NHWC). */
    readonly taps?: Map<string, tf.Tensor>,
    /**
     * Eval only: spectral-normalised kernels (weight_orig / sigma) by conv key, computed once and
     * kept by whoever owns the map (the live renderer), since they are constant in eval mode.
     */
    readonly kernels?: Map<string, tf.Tensor>,
  ) {}

  p(key: string): tf.Tensor {
    return this.params.get(key);
  }

  setBuffer(key: string, value: tf.Tensor): void {
    const old = this.updates.get(key);
    if (old) old.dispose();
    this.updates.set(key, tf.keep(value));
  }

  tap(name: string, t: tf.Tensor): void {
    if (!this.taps) return;
    const old = this.taps.get(name);
    if (old) old.dispose();
    this.taps.set(name, tf.keep(t.clone()));
  }
}
