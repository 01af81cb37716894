/**
 * One SPADE training step as NVlabs' Pix2PixTrainer runs it (trainers/pix2pix_trainer.py,
 * models/pix2pix_model.py): a generator update, then a discriminator update.
 *
 * G step: [E: mu, logvar -> z] -> G(seg, z) -> D on [fake; real] (one call, batch 2N) ->
 *   hinge G loss + feature matching * lambda_feat + KLD * lambda_kld (use_vae);
 *   G and E move together under the G optimizer.
 * D step: a fresh fake (G and E in train mode, no gradient) -> D on [fake; real] ->
 *   hinge D loss on fake and real; D moves.
 * During options.d_warmup steps only the D step runs.
 * Every forward is in train mode, so BatchNorm running stats and spectral-norm u/v update
 * on each call, as they do in PyTorch. No VGG loss: NVlabs' default needs VGG19 weights we
 * do not ship (the equivalent of --no_vgg_loss).
 *
 * Data parallel (hooks.replica): each replica runs this step on its rows of the batch, with
 * batch statistics over the whole batch (nn/sync_moments.ts), the batch-mean losses weighted by
 * its share of the rows and the gradients summed over the replicas before Adam, so every replica
 * makes the update that one trainer makes on the whole batch, and the replicas stay equal.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeModel } from '../model';
import { SpadeInputError } from '../errors';
import { Ctx } from '../nn/context';
import { stopGradient } from '../nn/ops';
import type { ParamStore } from '../nn/params';
import { reparameterize } from '../networks/encoder';
import { featureMatchingLoss, ganLoss, kldLoss, sumScalars, type GanMode } from '../losses';
import { semanticInput, type LabelBatch } from '../preprocess';
import { seededNormal } from '../random';
import type { NamedTensors } from '../checkpoint/host_tensor';
import type { CrossReplica } from '../nn/sync_moments';
import { Adam } from './adam';
import { installScalarConstants } from '../nn/webgpu_constants';
import { installBindGroupCache, submitPending } from '../nn/webgpu_bind_groups';
import { registerWebGPUGradients } from '../nn/webgpu_gradients';
import { installChannelSum } from '../nn/webgpu_channel_sum';
import { registerWebGPUConvBackpropFilter } from '../nn/webgpu_conv_backprop_filter';
import { registerWebGPUConvBackpropInput } from '../nn/webgpu_conv_backprop_input';
import { registerWebGPUConv } from '../nn/webgpu_conv';
import { ratesAt, type TrainOptions } from './options';

export interface TrainBatch {
  labels: LabelBatch;
  /** Real images, NHWC float32 in [-1, 1], N*H*W*3. */
  images: Float32Array;
}

/** One network's Adam update this step: its learning rate and the betas. */
interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
}

/** The losses NVlabs logs, by its names. G_KLD only with use_vae, G_GAN_Feat unless disabled. */
export interface StepLosses {
  /** Absent on D warm-up steps (options.d_warmup), which leave G alone. */
  G_GAN?: number;
  G_GAN_Feat?: number;
  G_KLD?: number;
  D_Fake: number;
  D_real: number;
}

type DOut = tf.Tensor[][];

/** A step whose work is queued: its losses can be read (and checked) later, or dropped. */
export interface QueuedStep {
  /** The step's number, counting from 1 (trainer.step once it was queued). */
  readonly step: number;
  read(): Promise<StepLosses>;
  dispose(): void;
}

/**
 * Where the reparameterization noise comes from: by default a seeded generator keyed by the
 * step, so a resumed run draws what an uninterrupted one would. Tests inject the reference's
 * noise and look at the gradients (keys `G.<param>`, `E.<param>`, `D.<param>`) before they are applied.
 */
export interface TrainerHooks {
  seed: number;
  replica?: ReplicaPart;
  draw?: (step: number, call: 0 | 1, count: number) => Float32Array;
  onGradients?: (step: number, grads: ReadonlyMap<string, tf.Tensor>) => void;
}

/** This replica's rows of every batch: [offset, offset + n) of `total`. */
export interface ReplicaPart {
  cross: CrossReplica;
  offset: number;
  total: number;
}

/** Pix2PixModel.divide_pred: the first half of each map is the fake batch, the second the real. */
function dividePred(pred: DOut, n: number): { fake: DOut; real: DOut } {
  const half = (t: tf.Tensor, start: number) => tf.slice(t, [start], [n]);
  return { fake: pred.map((s) => s.map((t) => half(t, 0))), real: pred.map((s) => s.map((t) => half(t, n))) };
}

export class SpadeTrainer {
  private readonly optG: Adam;
  private readonly optE?: Adam;
  private readonly optD: Adam;
  /** Steps completed (the next step's index). */
  step = 0;

  constructor(
    readonly model: SpadeModel,
    readonly options: TrainOptions,
    readonly hooks: TrainerHooks = { seed: 0 },
  ) {
    const { params } = model;
    if (!model.D || !params.D) throw new Error('internal: SpadeTrainer needs a discriminator (call addTrainingNets)');
    if (model.config.use_vae && (!model.E || !params.E))
      throw new Error('internal: use_vae needs an encoder (call addTrainingNets)');
    installScalarConstants();
    installBindGroupCache();
    registerWebGPUGradients();
    installChannelSum();
    if (tf.getBackend() === 'webgpu') {
      // The conv and its gradients as our tiled GEMMs, in place of TF.js's untiled backprop kernels
      // and its forward conv (each falls back to TF.js's own where ours does not apply).
      registerWebGPUConv();
      registerWebGPUConvBackpropFilter();
      registerWebGPUConvBackpropInput();
    }
    this.optG = new Adam('G', params.G);
    if (params.E) this.optE = new Adam('E', params.E);
    this.optD = new Adam('D', params.D);
  }

  /** Runs one G step and one D step on the batch; returns the losses of that step. */
  async trainStep(batch: TrainBatch, source = 'training batch'): Promise<StepLosses> {
    const queued = this.queueStep(batch, source);
    try {
      return await queued.read();
    } finally {
      queued.dispose();
    }
  }

  /**
   * Encodes one G step and one D step and returns without waiting for them: on a GPU the host
   * can queue the next step while this one runs. The losses stay on the device, in one tensor,
   * until read() (one readback for all of them), or are dropped unread by dispose().
   */
  queueStep(batch: TrainBatch, source = 'training batch'): QueuedStep {
    const { labels, images } = batch;
    const { n, h, w } = labels;
    if (images.length !== n * h * w * 3)
      throw new SpadeInputError(`image batch has ${images.length} values, expected ${n}x${h}x${w}x3`, source);
    const part = this.hooks.replica;
    if (part && (part.offset + n > part.total || n < 1))
      throw new Error(`internal: replica rows ${part.offset}..${part.offset + n} of a batch of ${part.total}`);
    const rates = ratesAt(this.options, this.step);
    // Each step in the same submits, so that its bind groups recur (webgpu_bind_groups.ts).
    submitPending();
    const seg = semanticInput(this.model.config, labels, source);
    const real = tf.tensor4d(images, [n, h, w, 3]);
    let named: Array<[string, tf.Scalar]> = [];
    try {
      if (this.step >= this.options.d_warmup)
        named = this.generatorStep(seg, real, { lr: rates.lrG, beta1: rates.beta1, beta2: rates.beta2 });
      named = [...named, ...this.discriminatorStep(seg, real, { lr: rates.lrD, beta1: rates.beta1, beta2: rates.beta2 })];
    } catch (e) {
      // G's kept losses, when D's step failed.
      for (const [, t] of named) t.dispose();
      throw e;
    } finally {
      seg.dispose();
      real.dispose();
    }
    let all = tf.stack(named.map(([, t]) => t));
    for (const [, t] of named) t.dispose();
    if (part) {
      // Each replica's losses are its weighted share: their sum is the whole batch's.
      const whole = tf.tensor1d(part.cross.sum(all.dataSync() as Float32Array));
      all.dispose();
      all = whole;
    }
    this.step++;
    const step = this.step;
    return {
      step,
      async read(): Promise<StepLosses> {
        const values = await all.data();
        const losses = {} as StepLosses;
        named.forEach(([name], i) => (losses[name as keyof StepLosses] = values[i]));
        for (const [name, v] of Object.entries(losses)) {
          if (!Number.isFinite(v)) throw new Error(`training diverged at step ${step}: ${name} is ${v}`);
        }
        return losses;
      },
      dispose() {
        all.dispose();
      },
    };
  }

  private get gan(): GanMode {
    return this.model.config.gan_mode as GanMode;
  }

  /** Noise for the reparameterization trick: distinct per step and per call (0: G step, 1: D step). */
  private eps(n: number, call: 0 | 1): tf.Tensor2D {
    const zDim = this.model.config.z_dim;
    const { seed, draw, replica } = this.hooks;
    // A replica draws the whole batch's noise and takes its rows, as one trainer would see them.
    const rows = replica ? replica.total : n;
    const key = (seed * 7919 + this.step * 2 + call) >>> 0;
    const values = draw ? draw(this.step, call, rows * zDim) : seededNormal(rows * zDim, key);
    if (values.length !== rows * zDim) throw new Error(`internal: noise source gave ${values.length} values, expected ${rows * zDim}`);
    const start = replica ? replica.offset * zDim : 0;
    return tf.tensor2d(values.subarray(start, start + n * zDim), [n, zDim]);
  }

  /** Contexts for one forward pass, with the batch statistics shared in data-parallel training. */
  private ctx(store: ParamStore): Ctx {
    const ctx = new Ctx(store, true);
    ctx.replica = this.hooks.replica?.cross;
    return ctx;
  }

  /**
   * A batch-mean loss of this replica's n rows, weighted by its share of the batch (the KLD is a
   * sum over the batch and needs no weight). Without replicas, the loss itself.
   */
  private share(loss: tf.Scalar, n: number): tf.Scalar {
    const part = this.hooks.replica;
    return part ? tf.mul(loss, n / part.total) : loss;
  }

  /**
   * Data parallel: the gradients summed over the replicas (one exchange for all of them), in
   * the same keys; the local ones are disposed. Without replicas they are returned as they are.
   */
  private allReduce(grads: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
    const cross = this.hooks.replica?.cross;
    if (!cross) return grads;
    const entries = [...grads];
    const flat = new Float32Array(entries.reduce((a, [, g]) => a + g.size, 0));
    let at = 0;
    for (const [, g] of entries) {
      flat.set(g.dataSync() as Float32Array, at);
      at += g.size;
      g.dispose();
    }
    const total = cross.sum(flat);
    const out = new Map<string, tf.Tensor>();
    at = 0;
    for (const [key, g] of entries) {
      out.set(key, tf.tensor(total.subarray(at, at + g.size), g.shape));
      at += g.size;
    }
    return out;
  }

  /** Encodes the real image (train mode) to z and, for the G loss, the weighted KLD. */
  private styleCode(ctxE: Ctx | undefined, real: tf.Tensor4D, call: 0 | 1): { z?: tf.Tensor2D; kld?: tf.Scalar } {
    if (!ctxE || !this.model.E) return {};
    const { mu, logvar } = this.model.E.forward(ctxE, real);
    const z = reparameterize(mu, logvar, this.eps(real.shape[0], call));
    return { z, kld: tf.mul(kldLoss(mu, logvar), this.model.config.lambda_kld) as tf.Scalar };
  }

  /**
   * D on the fake and the real batch. `lastOnly`: each scale keeps its last map alone (all the
   * GAN loss reads), so the intermediate maps are not split into halves for nothing.
   */
  private discriminate(
    ctxD: Ctx,
    seg: tf.Tensor4D,
    fake: tf.Tensor4D,
    real: tf.Tensor4D,
    lastOnly = false,
  ): { fake: DOut; real: DOut } {
    const input = tf.concat([tf.concat([seg, fake], 3), tf.concat([seg, real], 3)], 0) as tf.Tensor4D;
    const pred = this.model.D!.forward(ctxD, input);
    return dividePred(lastOnly ? pred.map((scale) => scale.slice(-1)) : pred, seg.shape[0]);
  }

  private generatorStep(
    seg: tf.Tensor4D,
    real: tf.Tensor4D,
    adam: AdamStep,
  ): Array<[string, tf.Scalar]> {
    const { params, config } = this.model;
    const ctxG = this.ctx(params.G);
    const ctxE = params.E ? this.ctx(params.E) : undefined;
    const ctxD = this.ctx(params.D!);
    const kept: Array<[string, tf.Scalar]> = [];
    const n = seg.shape[0];
    const vars = [...params.G.trainableVariables(), ...(params.E?.trainableVariables() ?? [])];
    const { value, grads } = tf.variableGrads(() => {
      const { z, kld } = this.styleCode(ctxE, real, 0);
      const fake = this.model.G.forward(ctxG, seg, z);
      const pred = this.discriminate(ctxD, seg, fake, real);
      const terms: tf.Scalar[] = [];
      const add = (name: string, t: tf.Scalar) => {
        terms.push(t);
        kept.push([name, tf.keep(t.clone())]);
      };
      add('G_GAN', this.share(ganLoss(pred.fake, true, false, this.gan), n));
      if (!config.no_ganFeat_loss)
        add(
          'G_GAN_Feat',
          this.share(featureMatchingLoss(
            pred.fake,
            pred.real.map((s) => s.map(stopGradient)),
            config.lambda_feat,
          ), n),
        );
      if (kld) add('G_KLD', kld);
      return sumScalars(terms);
    }, vars);
    value.dispose();
    const gradsG = this.allReduce(byKey(params.G, grads));
    const gradsE = params.E ? this.allReduce(byKey(params.E, grads)) : undefined;
    this.inspect([
      ['G', gradsG],
      ['E', gradsE],
    ]);
    this.optG.apply(gradsG, adam.lr, adam.beta1, adam.beta2);
    if (this.optE && gradsE) this.optE.apply(gradsE, adam.lr, adam.beta1, adam.beta2);
    for (const ctx of [ctxG, ctxE, ctxD]) if (ctx) ctx.params.applyUpdates(ctx.updates);
    return kept;
  }

  private discriminatorStep(
    seg: tf.Tensor4D,
    real: tf.Tensor4D,
    adam: AdamStep,
  ): Array<[string, tf.Scalar]> {
    const { params } = this.model;
    const ctxG = this.ctx(params.G);
    const ctxE = params.E ? this.ctx(params.E) : undefined;
    const ctxD = this.ctx(params.D!);
    // NVlabs generates this fake under torch.no_grad(): train-mode forwards, no gradient.
    const fake = tf.tidy(() => this.model.G.forward(ctxG, seg, this.styleCode(ctxE, real, 1).z));
    for (const ctx of [ctxG, ctxE]) if (ctx) ctx.params.applyUpdates(ctx.updates);
    const kept: Array<[string, tf.Scalar]> = [];
    const { value, grads } = tf.variableGrads(() => {
      const pred = this.discriminate(ctxD, seg, fake, real, true);
      const dFake = this.share(ganLoss(pred.fake, false, true, this.gan), seg.shape[0]);
      const dReal = this.share(ganLoss(pred.real, true, true, this.gan), seg.shape[0]);
      kept.push(['D_Fake', tf.keep(dFake.clone())], ['D_real', tf.keep(dReal.clone())]);
      return tf.add(dFake, dReal) as tf.Scalar;
    }, params.D!.trainableVariables());
    value.dispose();
    fake.dispose();
    const gradsD = this.allReduce(byKey(params.D!, grads));
    this.inspect([['D', gradsD]]);
    this.optD.apply(gradsD, adam.lr, adam.beta1, adam.beta2);
    params.D!.applyUpdates(ctxD.updates);
    return kept;
  }

  private inspect(nets: Array<[string, Map<string, tf.Tensor> | undefined]>): void {
    if (!this.hooks.onGradients) return;
    const all = new Map<string, tf.Tensor>();
    for (const [net, grads] of nets) for (const [k, g] of grads ?? []) all.set(`${net}.${k}`, g);
    this.hooks.onGradients(this.step, all);
  }

  /** Optimizer state and the step count, as checkpoint tensors (`optim.*`, `step`). */
  async stateToHost(): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const opt of [this.optG, this.optE, this.optD]) if (opt) for (const [k, v] of await opt.toHost()) out.set(k, v);
    out.set('step', { shape: [1], data: Float32Array.of(this.step), sourceDtype: 'F32' });
    return out;
  }

  /** Restores what stateToHost wrote (a resumed run). */
  restoreState(extra: NamedTensors, source: string): void {
    const step = extra.get('step');
    if (!step || !Number.isInteger(step.data[0]) || step.data[0] < 0)
      throw new SpadeInputError('has no valid training step count (step): it is not a resumable training checkpoint', source);
    for (const opt of [this.optG, this.optE, this.optD]) opt?.restore(extra, source);
    this.step = step.data[0];
  }

  dispose(): void {
    this.optG.dispose();
    this.optE?.dispose();
    this.optD.dispose();
  }
}

/** variableGrads keys gradients by tf.Variable name; the optimizers key by parameter name. */
function byKey(store: ParamStore, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const spec of store.specs) {
    if (!spec.trainable) continue;
    const g = grads[store.get(spec.key).name];
    if (g) out.set(spec.key, g);
  }
  return out;
}
