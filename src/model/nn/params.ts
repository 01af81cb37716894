/**
 * Parameters and buffers of a network in one flat map, keyed exactly like the PyTorch
 * state dict (`head_0.norm_0.mlp_gamma.weight`, `up_1.conv_s.weight_orig`, ...), so that
 * loading a checkpoint is a lookup plus a layout change.
 *
 * Shapes in specs and checkpoints are PyTorch's. In memory, TF.js layout is kept so the
 * forward pass never transposes: conv kernels OIHW -> HWIO, Linear weights (out,in) -> (in,out).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SpadeInputError } from '../errors';
import { numel, type HostTensor, type NamedTensors } from '../checkpoint/host_tensor';

export type Init =
  | { kind: 'xavier'; gain: number } // NVlabs init_weights('xavier', gain)
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'unit_normal' }; // spectral-norm u, v: a normalised N(0,1) draw, as PyTorch does

export interface ParamSpec {
  key: string;
  /** PyTorch layout. */
  shape: number[];
  /** false for buffers (running stats, spectral-norm u/v, counters). */
  trainable: boolean;
  init: Init;
}

export function toTfLayout(t: tf.Tensor): tf.Tensor {
  if (t.rank === 4) return tf.transpose(t, [2, 3, 1, 0]);
  if (t.rank === 2) return tf.transpose(t, [1, 0]);
  return t;
}

export function toTorchLayout(t: tf.Tensor): tf.Tensor {
  if (t.rank === 4) return tf.transpose(t, [3, 2, 0, 1]);
  if (t.rank === 2) return tf.transpose(t, [1, 0]);
  return t;
}

export function tfShape(torchShape: readonly number[]): number[] {
  const s = torchShape;
  if (s.length === 4) return [s[2], s[3], s[1], s[0]];
  if (s.length === 2) return [s[1], s[0]];
  return [...s];
}

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();

  constructor(readonly specs: readonly ParamSpec[]) {}

  /** Fresh weights, initialised as NVlabs BaseNetwork.init_weights does (biases 0). */
  static initialise(specs: readonly ParamSpec[], seed: number): ParamStore {
    const store = new ParamStore(specs);
    let s = seed;
    for (const spec of specs) {
      const value = tf.tidy(() => initTensor(spec, s++));
      store.vars.set(spec.key, tf.variable(value, spec.trainable, uniqueName(spec.key)));
      value.dispose();
    }
    return store;
  }

  /**
   * Loads tensors given in PyTorch layout. Missing keys, unexpected keys and shape
   * mismatches are reported together, so a wrong opt.txt shows up as one clear error.
   */
  static fromHost(specs: readonly ParamSpec[], named: NamedTensors, source: string): ParamStore {
    const problems: string[] = [];
    const expected = new Set(specs.map((s) => s.key));
    for (const spec of specs) {
      const t = named.get(spec.key);
      if (!t) problems.push(`missing ${spec.key}`);
      else if (t.shape.join(',') !== spec.shape.join(',')) {
        problems.push(`${spec.key} has shape [${t.shape}] but the options imply [${spec.shape}]`);
      }
    }
    const unexpected = [...named.keys()].filter((k) => !expected.has(k));
    if (unexpected.length) problems.push(`unexpected ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` (+${unexpected.length - 5} more)` : ''}`);
    if (problems.length) {
      const shown = problems.slice(0, 4).join('; ');
      throw new SpadeInputError(
        `checkpoint does not match the model options (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${shown}${problems.length > 4 ? '; …' : ''}`,
        source,
      );
    }
    const store = new ParamStore(specs);
    for (const spec of specs) {
      const h = named.get(spec.key)!;
      for (let i = 0; i < h.data.length; i++) {
        if (!Number.isFinite(h.data[i])) throw new SpadeInputError(`tensor ${spec.key} contains NaN or Inf`, source);
      }
      const value = tf.tidy(() => toTfLayout(tf.tensor(h.data, h.shape, 'float32')));
      store.vars.set(spec.key, tf.variable(value, spec.trainable, uniqueName(spec.key)));
      value.dispose();
    }
    return store;
  }

  get(key: string): tf.Variable {
    const v = this.vars.get(key);
    if (!v) throw new Error(`internal: no parameter '${key}'`);
    return v;
  }

  has(key: string): boolean {
    return this.vars.has(key);
  }

  trainableVariables(): tf.Variable[] {
    return this.specs.filter((s) => s.trainable).map((s) => this.get(s.key));
  }

  /** Writes buffer updates a train-mode forward produced (running stats, u, v). */
  applyUpdates(updates: Map<string, tf.Tensor>): void {
    for (const [key, value] of updates) {
      this.get(key).assign(value);
      value.dispose();
    }
    updates.clear();
  }

  /** All tensors in PyTorch layout, for checkpoints. */
  async toHost(): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const spec of this.specs) {
      const v = this.get(spec.key);
      const t = tf.tidy(() => toTorchLayout(v));
      const data = (await t.data()) as Float32Array;
      if (t !== v) t.dispose(); // rank 1 keeps its layout: t is the variable itself
      out.set(spec.key, { shape: [...spec.shape], data: Float32Array.from(data), sourceDtype: 'F32' });
    }
    return out;
  }

  paramCount(): number {
    return this.specs.filter((s) => s.trainable).reduce((n, s) => n + numel(s.shape), 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

let nameCounter = 0;
/** tf.Variable names are global in the engine: several models may be loaded at once. */
function uniqueName(key: string): string {
  return `${key}#${nameCounter++}`;
}

/** Deterministic init. Layout of the result is TF's. */
function initTensor(spec: ParamSpec, seed: number): tf.Tensor {
  const shape = tfShape(spec.shape);
  switch (spec.init.kind) {
    case 'zeros':
      return tf.zeros(shape);
    case 'ones':
      return tf.ones(shape);
    case 'unit_normal': {
      const n = tf.randomNormal(shape, 0, 1, 'float32', seed);
      return tf.div(n, tf.maximum(tf.norm(n), 1e-12));
    }
    case 'xavier': {
      // torch.nn.init.xavier_normal_: std = gain * sqrt(2 / (fan_in + fan_out)), fans from OIHW.
      const s = spec.shape;
      const receptive = s.length > 2 ? numel(s.slice(2)) : 1;
      const fanIn = s[1] * receptive;
      const fanOut = s[0] * receptive;
      const std = spec.init.gain * Math.sqrt(2 / (fanIn + fanOut));
      return tf.randomNormal(shape, 0, std, 'float32', seed);
    }
  }
}

export type { HostTensor };
