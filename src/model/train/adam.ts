/**
 * Adam as torch.optim.Adam computes it (eps 1e-8, bias-corrected, no weight decay), with its
 * moments keyed by parameter name so that optimizer state goes into a checkpoint beside the
 * weights (`optim.<net>.exp_avg.<key>`, `optim.<net>.exp_avg_sq.<key>`) and resumes exactly.
 * The learning rate and betas are passed per step: the schedule lives in options.ts.
 * On WebGPU the update runs in place in two dispatches per parameter (webgpu_adam.ts), with
 * each parameter's two moments in one buffer (m then v).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensors } from '../checkpoint/host_tensor';
import { toTfLayout, toTorchLayout, type ParamStore } from '../nn/params';
import { SpadeInputError } from '../errors';
import { adamInPlace, canUpdateInPlace } from './webgpu_adam';

const EPS = 1e-8;

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** On WebGPU: each parameter's m and v in one flat variable, m first (webgpu_adam.ts). */
  private readonly mv = new Map<string, tf.Variable>();
  /** Updates made so far (torch keeps one per parameter; ours all move together). */
  steps = 0;

  constructor(
    readonly net: string,
    private readonly params: ParamStore,
  ) {
    const packed = canUpdateInPlace();
    for (const spec of params.specs.filter((s) => s.trainable)) {
      const p = params.get(spec.key);
      if (packed) {
        this.mv.set(spec.key, tf.variable(tf.zeros([2 * p.size]), false));
      } else {
        this.m.set(spec.key, tf.variable(tf.zerosLike(p), false));
        this.v.set(spec.key, tf.variable(tf.zerosLike(p), false));
      }
    }
  }

  /** Names of the parameters this optimizer moves, in ParamStore order. */
  keys(): string[] {
    return [...(this.mv.size ? this.mv : this.m).keys()];
  }

  /** One update. `grads` maps parameter keys to gradients (TF layout); they are disposed. */
  apply(grads: Map<string, tf.Tensor>, lr: number, beta1: number, beta2: number): void {
    this.steps++;
    const t = this.steps;
    const stepSize = lr / (1 - beta1 ** t);
    const c2 = Math.sqrt(1 - beta2 ** t);
    if (this.mv.size) {
      try {
        for (const [key, g] of grads) {
          const scalars = { beta1, beta2, stepSize, c2, eps: EPS };
          adamInPlace(this.params.get(key), this.moment(this.mv, key), g, scalars);
        }
      } finally {
        for (const g of grads.values()) g.dispose();
      }
      return;
    }
    tf.tidy(() => {
      for (const [key, g] of grads) {
        const m = this.m.get(key);
        const v = this.v.get(key);
        if (!m || !v) throw new Error(`internal: ${this.net} optimizer has no parameter '${key}'`);
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        const p = this.params.get(key);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.div(tf.sqrt(v1), c2), EPS)), stepSize)));
      }
    });
    for (const g of grads.values()) g.dispose();
  }

  private moment(table: Map<string, tf.Variable>, key: string): tf.Variable {
    const t = table.get(key);
    if (!t) throw new Error(`internal: ${this.net} optimizer has no parameter '${key}'`);
    return t;
  }

  /** m (0) or v (1) of a parameter in TF layout: the variable itself, or a new tensor cut from mv. */
  private half(key: string, which: 0 | 1): tf.Tensor {
    if (!this.mv.size) return this.moment(which ? this.v : this.m, key);
    const p = this.params.get(key);
    return tf.tidy(() => tf.reshape(tf.slice(this.moment(this.mv, key), [which * p.size], [p.size]), p.shape));
  }

  /** State in PyTorch layout, for a checkpoint. */
  async toHost(): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const [kind, which] of [['exp_avg', 0], ['exp_avg_sq', 1]] as const) {
      for (const key of this.keys()) {
        const value = this.half(key, which);
        const t = toTorchLayout(value);
        out.set(`optim.${this.net}.${kind}.${key}`, { shape: [...t.shape], data: Float32Array.from(await t.data()), sourceDtype: 'F32' });
        if (t !== value) t.dispose();
        if (this.mv.size) value.dispose();
      }
    }
    out.set(`optim.${this.net}.steps`, { shape: [1], data: Float32Array.of(this.steps), sourceDtype: 'F32' });
    return out;
  }

  /** Restores state written by toHost; every moment must be there with the right shape. */
  restore(extra: NamedTensors, source: string): void {
    const steps = extra.get(`optim.${this.net}.steps`);
    if (!steps) throw new SpadeInputError(`has no optimizer state for ${this.net} (optim.${this.net}.*): it is not a resumable training checkpoint`, source);
    const restored = new Map<string, tf.Tensor[]>();
    try {
      for (const kind of ['exp_avg', 'exp_avg_sq'] as const) {
        for (const key of this.keys()) {
          const name = `optim.${this.net}.${kind}.${key}`;
          const h = extra.get(name);
          const want = toTorchLayout(this.params.get(key));
          const shape = [...want.shape];
          if (want !== this.params.get(key)) want.dispose();
          if (!h || h.shape.join(',') !== shape.join(',')) throw new SpadeInputError(`optimizer state ${name} is missing or has the wrong shape`, source);
          restored.set(key, [...(restored.get(key) ?? []), tf.tidy(() => toTfLayout(tf.tensor(h.data, h.shape, 'float32')))]);
        }
      }
      for (const [key, [m, v]] of restored) {
        if (this.mv.size) {
          const packed = tf.tidy(() => tf.concat([tf.reshape(m, [-1]), tf.reshape(v, [-1])]));
          this.moment(this.mv, key).assign(packed);
          packed.dispose();
        } else {
          this.moment(this.m, key).assign(m);
          this.moment(this.v, key).assign(v);
        }
      }
    } finally {
      for (const ts of restored.values()) tf.dispose(ts);
    }
    this.steps = steps.data[0];
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values(), ...this.mv.values()]) t.dispose();
  }
}
