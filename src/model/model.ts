/**
 * A loaded SPADE model: config, label set and the networks with their parameters, built
 * from a checkpoint (or initialised fresh). This is what the CLI, the trainer and the
 * webview worker hold.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from './config';
import { SpadeInputError } from './errors';
import type { LabelSet } from './io/label_sets';
import { labelSetFor } from './io/label_sets';
import { Ctx } from './nn/context';
import { ParamStore } from './nn/params';
import { SPADEGenerator } from './networks/generator';
import { ConvEncoder } from './networks/encoder';
import { MultiscaleDiscriminator } from './networks/discriminator';
import type { NamedTensors } from './checkpoint/host_tensor';
import type { SpadeCheckpoint } from './checkpoint/spade_checkpoint';
import { semanticInput, type LabelBatch } from './preprocess';
import { styleCode, type Style } from './style_code';
import { PreparedMask, synthesizePrepared } from './live/prepared_mask';
import { installScalarConstants } from './nn/webgpu_constants';
import { preferredMethod, type ModulationMethod } from './live/modulation';

/**
 * E and D are initialised from the run's seed plus these offsets, so that the three networks
 * draw independent weights and a G-only checkpoint gets the same E and D as a fresh model.
 */
const ENCODER_SEED_OFFSET = 100000;
const DISCRIMINATOR_SEED_OFFSET = 200000;

const freshEncoder = (cfg: SpadeConfig, seed: number) =>
  ParamStore.initialise(new ConvEncoder(cfg).specs(), seed + ENCODER_SEED_OFFSET);
const freshDiscriminator = (cfg: SpadeConfig, seed: number) =>
  ParamStore.initialise(new MultiscaleDiscriminator(cfg).specs(), seed + DISCRIMINATOR_SEED_OFFSET);

export class SpadeModel {
  readonly G: SPADEGenerator;
  private e?: ConvEncoder;
  private d?: MultiscaleDiscriminator;

  private constructor(
    readonly config: SpadeConfig,
    readonly labelSet: LabelSet,
    readonly params: { G: ParamStore; E?: ParamStore; D?: ParamStore },
  ) {
    this.G = new SPADEGenerator(config);
    if (params.E) this.e = new ConvEncoder(config);
    if (params.D) this.d = new MultiscaleDiscriminator(config);
  }

  get E(): ConvEncoder | undefined {
    return this.e;
  }

  get D(): MultiscaleDiscriminator | undefined {
    return this.d;
  }

  /**
   * Training needs D, and E when use_vae. A generator-only checkpoint (an official
   * latest_net_G.pth) gets them freshly initialised; returns which ones were.
   */
  addTrainingNets(seed: number): Array<'E' | 'D'> {
    const fresh: Array<'E' | 'D'> = [];
    if (this.config.use_vae && !this.params.E) {
      this.params.E = freshEncoder(this.config, seed);
      this.e = new ConvEncoder(this.config);
      fresh.push('E');
    }
    if (!this.params.D) {
      this.params.D = freshDiscriminator(this.config, seed);
      this.d = new MultiscaleDiscriminator(this.config);
      fresh.push('D');
    }
    return fresh;
  }

  static fromCheckpoint(ck: SpadeCheckpoint, source: string): SpadeModel {
    const cfg = ck.config;
    const load = (specs: ReturnType<SPADEGenerator['specs']>, t: NamedTensors | undefined, net: string) =>
      t ? ParamStore.fromHost(specs, t, `${source} (${net})`) : undefined;
    const G = load(new SPADEGenerator(cfg).specs(), ck.nets.G, 'G')!;
    let E: ParamStore | undefined;
    let D: ParamStore | undefined;
    try {
      if (ck.nets.E && !cfg.use_vae) throw new SpadeInputError('has an encoder (E) but use_vae is off', source);
      E = load(new ConvEncoder(cfg).specs(), ck.nets.E, 'E');
      D = load(new MultiscaleDiscriminator(cfg).specs(), ck.nets.D, 'D');
    } catch (e) {
      G.dispose();
      E?.dispose();
      throw e;
    }
    return new SpadeModel(cfg, ck.labelSet, { G, E, D });
  }

  /** Fresh NVlabs-initialised networks (E only with use_vae; D when asked for). */
  static initialise(cfg: SpadeConfig, seed: number, opts: { discriminator?: boolean; labelSet?: LabelSet } = {}): SpadeModel {
    const G = ParamStore.initialise(new SPADEGenerator(cfg).specs(), seed);
    const E = cfg.use_vae ? freshEncoder(cfg, seed) : undefined;
    const D = opts.discriminator ? freshDiscriminator(cfg, seed) : undefined;
    return new SpadeModel(cfg, opts.labelSet ?? labelSetFor(cfg.label_nc, cfg.contain_dontcare_label), { G, E, D });
  }

  async toCheckpoint(info: Record<string, string> = {}): Promise<SpadeCheckpoint> {
    return {
      config: this.config,
      labelSet: this.labelSet,
      nets: { G: await this.params.G.toHost(), E: await this.params.E?.toHost(), D: await this.params.D?.toHost() },
      extra: new Map(),
      info,
    };
  }

  /**
   * Eval-mode synthesis: (N, H, W, 3) in [-1, 1]. In VAE mode `z` is the style code;
   * without one a seeded N(0, I) draw is used, as NVlabs does at test time.
   */
  synthesize(labels: LabelBatch, style: Style = {}, source?: string): tf.Tensor4D {
    // The resizes' index lists and the ops' scalars: uploaded once on WebGPU, not every frame.
    installScalarConstants();
    if (preferredMethod(this.config) === 'gather') {
      // Wide one-hot inputs (COCO-Stuff): SPADE's first conv as a gather is several times faster.
      const mask = this.prepareMask(labels, { source });
      try {
        return this.synthesizePrepared(mask, style, source);
      } finally {
        mask.dispose();
      }
    }
    return tf.tidy(() => {
      const seg = semanticInput(this.config, labels, source);
      return this.G.forward(new Ctx(this.params.G, false), seg, styleCode(this.config, labels.n, style, source));
    });
  }

  /**
   * The modulation cache (src/model/live/modulation.ts): every SPADE layer's (gamma, beta)
   * for these labels, so that new styles or seeds re-render with synthesizePrepared without
   * recomputing them. Dispose the result.
   */
  prepareMask(labels: LabelBatch, opts: { method?: ModulationMethod; source?: string } = {}): PreparedMask {
    installScalarConstants();
    return PreparedMask.prepare(this.G, this.params.G, labels, opts);
  }

  /** synthesize(labels, style) for a prepared mask: equal to it (exactly with the 'dense' method). */
  synthesizePrepared(mask: PreparedMask, style: Style = {}, source?: string): tf.Tensor4D {
    return synthesizePrepared(this.G, this.params.G, mask, style, source);
  }

  /** Eval-mode style encoding of images (N, H, W, 3) in [-1, 1]. */
  encode(image: tf.Tensor4D, source?: string): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    if (!this.E || !this.params.E) throw new SpadeInputError('this checkpoint has no style encoder (train or fine-tune with --use_vae to get one)', source);
    const E = this.E;
    const params = this.params.E;
    const out = tf.tidy(() => {
      const r = E.forward(new Ctx(params, false), image);
      return [r.mu, r.logvar];
    });
    return { mu: out[0] as tf.Tensor2D, logvar: out[1] as tf.Tensor2D };
  }

  paramCounts(): { G: number; E?: number; D?: number } {
    return { G: this.params.G.paramCount(), E: this.params.E?.paramCount(), D: this.params.D?.paramCount() };
  }

  dispose(): void {
    this.params.G.dispose();
    this.params.E?.dispose();
    this.params.D?.dispose();
  }
}
