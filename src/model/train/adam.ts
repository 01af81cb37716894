/**
 * Adam as torch.optim.Adam computes it (eps 1e-8, bias-corrected, no weight decay), with its
 * moments keyed by parameter name so that optimizer state goes into a checkpoint beside the
 * weights (`optim.<net>.exp_avg.<key>`, `optim.<net>.exp_avg_sq.<key>`) and resumes exactly.
 * The learning rate and betas are passed per step: the schedule lives in options.ts.
 * On WebGPU the update runs in place in three dispatches per parameter (webgpu_adam.ts).
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
  /** Updates made so far (torch keeps one per parameter; ours all move together). */
  steps = 0;

  constructor(
    readonly net: string,
    private readonly params: ParamStore,
  ) {
    for (const spec of params.specs.filter((s) => s.trainable)) {
      const p = params.get(spec.key);
      this.m.set(spec.key, tf.variable(tf.zerosLike(p), false));
      this.v.set(spec.key, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** Names of the parameters this optimizer moves, in ParamStore order. */
  keys(): string[] {
    return [...this.m.keys()];
  }

  /** One update. `grads` maps parameter keys to gradients (TF layout); they are disposed. */
  apply(grads: Map<string, tf.Tensor>, lr: number, beta1: number, beta2: number): void {
    this.steps++;
    const t = this.steps;
    const stepSize = lr / (1 - beta1 ** t);
    const c2 = Math.sqrt(1 - beta2 ** t);
    if (canUpdateInPlace()) {
      try {
        for (const [key, g] of grads) {
          const scalars = { beta1, beta2, stepSize, c2, eps: EPS };
          adamInPlace(this.params.get(key), this.moment(this.m, key), this.moment(this.v, key), g, scalars);
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

  /** State in PyTorch layout, for a checkpoint. */
  async toHost(): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const [kind, table] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
      for (const [key, value] of table) {
        const t = toTorchLayout(value);
        out.set(`optim.${this.net}.${kind}.${key}`, { shape: [...t.shape], data: Float32Array.from(await t.data()), sourceDtype: 'F32' });
        if (t !== value) t.dispose();
      }
    }
    out.set(`optim.${this.net}.steps`, { shape: [1], data: Float32Array.of(this.steps), sourceDtype: 'F32' });
    return out;
  }

  /** Restores state written by toHost; every moment must be there with the right shape. */
  restore(extra: NamedTensors, source: string): void {
    const steps = extra.get(`optim.${this.net}.steps`);
    if (!steps) throw new SpadeInputError(`has no optimizer state for ${this.net} (optim.${this.net}.*): it is not a resumable training checkpoint`, source);
    for (const [kind, table] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
      for (const [key, variable] of table) {
        const name = `optim.${this.net}.${kind}.${key}`;
        const h = extra.get(name);
        const want = toTorchLayout(variable);
        const shape = [...want.shape];
        if (want !== variable) want.dispose();
        if (!h || h.shape.join(',') !== shape.join(',')) throw new SpadeInputError(`optimizer state ${name} is missing or has the wrong shape`, source);
        const value = tf.tidy(() => toTfLayout(tf.tensor(h.data, h.shape, 'float32')));
        variable.assign(value);
        value.dispose();
      }
    }
    this.steps = steps.data[0];
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
