/**
 * The gradients of one full SPADE training step (Pix2PixModel's generator and discriminator
 * losses: hinge GAN, feature matching, KLD with the encoder), computed on whatever backend is
 * active. Used to check the wasm training kernels against cpu and to time them. The weights
 * and inputs come from host arrays, so every backend sees exactly the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeConfig, outputSize, type SpadeConfig } from '../../src/model/config';
import { Ctx } from '../../src/model/nn/context';
import { ParamStore } from '../../src/model/nn/params';
import type { NamedTensors } from '../../src/model/checkpoint/host_tensor';
import { SPADEGenerator } from '../../src/model/networks/generator';
import { ConvEncoder, reparameterize } from '../../src/model/networks/encoder';
import { MultiscaleDiscriminator } from '../../src/model/networks/discriminator';
import { featureMatchingLoss, ganLoss, kldLoss, type GanMode } from '../../src/model/losses';
import { semanticInput } from '../../src/model/preprocess';
import { seededNormal } from '../../src/model/random';
import { stopGradient } from '../../src/model/nn/ops';

/** Host copies of fresh NVlabs-initialised weights for G, E (with use_vae) and D. */
export interface HostWeights {
  G: NamedTensors;
  E?: NamedTensors;
  D: NamedTensors;
}

/** The step's host inputs: label ids, instance ids, a real image in [-1, 1], and eps for z. */
export interface StepInputs {
  ids: Int32Array;
  instances: Int32Array;
  image: Float32Array;
  eps: Float32Array;
  n: number;
  h: number;
  w: number;
}

export function smallConfig(partial: Partial<SpadeConfig>): SpadeConfig {
  return makeConfig({
    label_nc: 5,
    ngf: 4,
    ndf: 4,
    z_dim: 8,
    spade_hidden: 8,
    crop_size: 32,
    num_D: 2,
    n_layers_D: 3,
    ...partial,
  });
}

/** Initialises on the active backend and copies the weights to the host. */
export async function initWeights(cfg: SpadeConfig, seed: number): Promise<HostWeights> {
  const toHost = async (specs: ReturnType<SPADEGenerator['specs']>, s: number) => {
    const p = ParamStore.initialise(specs, s);
    const h = await p.toHost();
    p.dispose();
    return h;
  };
  return {
    G: await toHost(new SPADEGenerator(cfg).specs(), seed),
    E: cfg.use_vae ? await toHost(new ConvEncoder(cfg).specs(), seed + 1) : undefined,
    D: await toHost(new MultiscaleDiscriminator(cfg).specs(), seed + 2),
  };
}

export function makeInputs(cfg: SpadeConfig, n: number, seed: number): StepInputs {
  const { height: h, width: w } = outputSize(cfg);
  const u = seededNormal(n * h * w * 2, seed);
  const ids = new Int32Array(n * h * w);
  const instances = new Int32Array(n * h * w);
  for (let i = 0; i < ids.length; i++) {
    // Blocky labels, so that there are regions and edges rather than pure noise.
    const y = Math.floor(i / w) % h;
    const x = i % w;
    ids[i] = (Math.floor(x / 4) + Math.floor(y / 4) * 3 + (u[i] > 1.5 ? 1 : 0)) % cfg.label_nc;
    instances[i] = u[ids.length + i] > 0 ? 1 : 2;
  }
  const image = seededNormal(n * h * w * 3, seed + 1).map((v) => Math.tanh(v));
  return { ids, instances, image, eps: seededNormal(n * cfg.z_dim, seed + 2), n, h, w };
}

/** Gradients by parameter key (`G.head_0.conv_0.weight_orig`, `D....`), as host arrays. */
export type HostGrads = Map<string, Float32Array>;

/** The step's inputs as tensors on the active backend. */
export interface StepTensors {
  seg: tf.Tensor4D;
  real: tf.Tensor4D;
  eps: tf.Tensor2D;
}

export function stepTensors(cfg: SpadeConfig, inp: StepInputs): StepTensors {
  return {
    seg: semanticInput(cfg, { ids: inp.ids, instances: inp.instances, n: inp.n, h: inp.h, w: inp.w }),
    real: tf.tensor4d(inp.image, [inp.n, inp.h, inp.w, 3]),
    eps: tf.tensor2d(inp.eps, [inp.n, cfg.z_dim]),
  };
}

/**
 * The networks and their weights on the active backend, and one training step's gradients:
 * a generator step (G and E) and a discriminator step (D), as Pix2PixModel's
 * compute_generator_loss / compute_discriminator_loss, without the VGG loss. Buffer updates
 * of the train-mode forwards are dropped, so repeated steps see the same weights.
 */
export class SpadeStepRig {
  readonly G: SPADEGenerator;
  readonly D: MultiscaleDiscriminator;
  readonly E?: ConvEncoder;
  readonly pG: ParamStore;
  readonly pD: ParamStore;
  readonly pE?: ParamStore;

  constructor(
    readonly cfg: SpadeConfig,
    weights: HostWeights,
  ) {
    this.G = new SPADEGenerator(cfg);
    this.D = new MultiscaleDiscriminator(cfg);
    this.pG = ParamStore.fromHost(this.G.specs(), weights.G, 'G');
    this.pD = ParamStore.fromHost(this.D.specs(), weights.D, 'D');
    if (cfg.use_vae && weights.E) {
      this.E = new ConvEncoder(cfg);
      this.pE = ParamStore.fromHost(this.E.specs(), weights.E, 'E');
    }
  }

  /** Gradients keyed by variable name, and the two losses. The caller disposes them. */
  run(t: StepTensors): { gGrads: tf.NamedTensorMap; dGrads: tf.NamedTensorMap; lossG: tf.Scalar; lossD: tf.Scalar } {
    const { cfg, G, D, E, pG, pD, pE } = this;
    const mode = cfg.gan_mode as GanMode;
    const n = t.seg.shape[0];
    const ctxs: Ctx[] = [];
    const train = (p: ParamStore) => {
      const c = new Ctx(p, true);
      ctxs.push(c);
      return c;
    };
    const discriminate = (fake: tf.Tensor4D) => {
      const both = tf.concat([tf.concat([t.seg, fake], 3), tf.concat([t.seg, t.real], 3)], 0) as tf.Tensor4D;
      const out = D.forward(train(pD), both);
      const half = (x: tf.Tensor4D, first: boolean) => tf.slice(x, [first ? 0 : n, 0, 0, 0], [n, -1, -1, -1]);
      return { fake: out.map((s) => s.map((x) => half(x, true))), real: out.map((s) => s.map((x) => half(x, false))) };
    };
    const generate = () => {
      if (!E || !pE) return { fake: G.forward(train(pG), t.seg), kld: tf.scalar(0) };
      const { mu, logvar } = E.forward(train(pE), t.real);
      const z = reparameterize(mu, logvar, t.eps);
      return { fake: G.forward(train(pG), t.seg, z), kld: tf.mul(kldLoss(mu, logvar), cfg.lambda_kld) };
    };
    try {
      const gVars = [...pG.trainableVariables(), ...(pE ? pE.trainableVariables() : [])];
      const gStep = tf.variableGrads(() => {
        const { fake, kld } = generate();
        const pred = discriminate(fake);
        let loss = tf.add(ganLoss(pred.fake, true, false, mode), kld);
        if (!cfg.no_ganFeat_loss) {
          loss = tf.add(
            loss,
            featureMatchingLoss(
              pred.fake,
              pred.real.map((s) => s.map((x) => stopGradient(x))),
              cfg.lambda_feat,
            ),
          );
        }
        return loss as tf.Scalar;
      }, gVars);
      // PyTorch makes the fake image under no_grad for the D step: no tape for G here.
      const fakeD = tf.tidy(() => generate().fake);
      const dStep = tf.variableGrads(() => {
        const pred = discriminate(stopGradient(fakeD));
        return tf.add(ganLoss(pred.fake, false, true, mode), ganLoss(pred.real, true, true, mode)) as tf.Scalar;
      }, pD.trainableVariables());
      fakeD.dispose();
      return { gGrads: gStep.grads, dGrads: dStep.grads, lossG: gStep.value, lossD: dStep.value };
    } finally {
      // Train-mode contexts collect buffer updates (running stats, u, v); they are dropped.
      for (const c of ctxs) tf.dispose([...c.updates.values()]);
    }
  }

  dispose(): void {
    this.pG.dispose();
    this.pD.dispose();
    this.pE?.dispose();
  }
}

/** One step's gradients on the active backend, read back to the host by parameter key. */
export async function stepGradients(
  cfg: SpadeConfig,
  weights: HostWeights,
  inp: StepInputs,
): Promise<{ grads: HostGrads; losses: { G: number; D: number } }> {
  const rig = new SpadeStepRig(cfg, weights);
  const t = stepTensors(cfg, inp);
  try {
    const r = rig.run(t);
    const grads: HostGrads = new Map();
    await collect(grads, r.gGrads, [
      ['G.', rig.pG],
      ['E.', rig.pE],
    ]);
    await collect(grads, r.dGrads, [['D.', rig.pD]]);
    const losses = { G: (await r.lossG.data())[0], D: (await r.lossD.data())[0] };
    tf.dispose([r.lossG, r.lossD]);
    return { grads, losses };
  } finally {
    tf.dispose([t.seg, t.real, t.eps]);
    rig.dispose();
  }
}

/** Maps variable names back to state-dict keys and reads the gradients to the host. */
async function collect(out: HostGrads, grads: tf.NamedTensorMap, stores: [string, ParamStore | undefined][]): Promise<void> {
  for (const [prefix, store] of stores) {
    if (!store) continue;
    for (const spec of store.specs) {
      if (!spec.trainable) continue;
      const g = grads[store.get(spec.key).name];
      if (g) out.set(prefix + spec.key, (await g.data()) as Float32Array);
    }
  }
  tf.dispose(Object.values(grads));
}
