/**
 * One NVlabs train step (pix2pix_trainer: a G step, then a D step on a freshly generated fake)
 * for the train bench. STAND-IN: when src/model/train/trainer.ts lands, `trainStepper` should
 * wrap that trainer's step instead, so the bench times the code `spade train` runs; the
 * interface (step() -> losses) is all measure.ts uses.
 *
 * Order and optimiser follow NVlabs: G (+ E with use_vae) minimise hinge G + feature matching
 * × lambda_feat (+ KLD × lambda_kld); D minimises hinge D on real and on the regenerated fake.
 * Adam with TTUR: G lr/2, D lr×2, betas (0, 0.9), eps 1e-8 (PyTorch's).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeModel } from '../../model/model';
import { Ctx } from '../../model/nn/context';
import { stopGradient } from '../../model/nn/ops';
import { featureMatchingLoss, ganLoss, kldLoss, type GanMode } from '../../model/losses';
import { reparameterize } from '../../model/networks/encoder';
import { semanticInput, type LabelBatch } from '../../model/preprocess';

export interface TrainStepper {
  step(): Promise<Record<string, number>>;
  dispose(): void;
}

export function trainStepper(model: SpadeModel, labels: LabelBatch, images: tf.Tensor4D, lr = 0.0002): TrainStepper {
  const { G, E, D, params, config: cfg } = model;
  if (!D || !params.D) throw new Error('the train bench needs a discriminator');
  const netD = D;
  const paramsD = params.D;
  const mode = cfg.gan_mode as GanMode;
  const sem = semanticInput(cfg, labels);
  const n = labels.n;
  const optG = tf.train.adam(lr / 2, 0, 0.9, 1e-8);
  const optD = tf.train.adam(lr * 2, 0, 0.9, 1e-8);
  const varsG = [...params.G.trainableVariables(), ...(params.E?.trainableVariables() ?? [])];
  const varsD = paramsD.trainableVariables();

  const fake = (ctxG: Ctx, ctxE: Ctx | null): { img: tf.Tensor4D; kld?: tf.Scalar } => {
    if (!cfg.use_vae || !E || !ctxE) return { img: G.forward(ctxG, sem) };
    const { mu, logvar } = E.forward(ctxE, images);
    const z = reparameterize(mu, logvar, tf.randomNormal(mu.shape) as tf.Tensor2D);
    return { img: G.forward(ctxG, sem, z), kld: tf.mul(kldLoss(mu, logvar), cfg.lambda_kld) };
  };
  const discriminate = (ctx: Ctx, img: tf.Tensor4D) => {
    const out = netD.forward(ctx, tf.concat([tf.concat([sem, img], 3), tf.concat([sem, images], 3)], 0) as tf.Tensor4D);
    const half = (which: 0 | 1) => out.map((s) => s.map((t) => tf.slice(t, [which * n, 0, 0, 0], [n, -1, -1, -1])));
    return { predFake: half(0), predReal: half(1) };
  };
  const ctxs = () => ({ G: new Ctx(params.G, true), E: params.E ? new Ctx(params.E, true) : null, D: new Ctx(paramsD, true) });
  const apply = (c: ReturnType<typeof ctxs>) => {
    params.G.applyUpdates(c.G.updates);
    if (c.E) params.E!.applyUpdates(c.E.updates);
    paramsD.applyUpdates(c.D.updates);
  };

  return {
    async step() {
      const kept: Record<string, tf.Tensor> = {};
      const keep = (name: string, t: tf.Tensor) => (kept[name] = tf.keep(t.clone()));
      let c = ctxs();
      optG.minimize(() => {
        const f = fake(c.G, c.E);
        const { predFake, predReal } = discriminate(c.D, f.img);
        let total = keep('G_GAN', ganLoss(predFake, true, false, mode));
        if (!cfg.no_ganFeat_loss) {
          const real = predReal.map((s) => s.map((t) => stopGradient(t)));
          total = tf.add(total, keep('G_GAN_Feat', featureMatchingLoss(predFake, real, cfg.lambda_feat)));
        }
        if (f.kld) total = tf.add(total, keep('G_KLD', f.kld));
        return total as tf.Scalar;
      }, false, varsG);
      apply(c);
      c = ctxs();
      const img = tf.tidy(() => fake(c.G, c.E).img);
      optD.minimize(() => {
        const { predFake, predReal } = discriminate(c.D, img);
        return tf.add(keep('D_Fake', ganLoss(predFake, false, true, mode)), keep('D_real', ganLoss(predReal, true, true, mode))) as tf.Scalar;
      }, false, varsD);
      apply(c);
      img.dispose();
      const losses: Record<string, number> = {};
      for (const [k, t] of Object.entries(kept)) {
        losses[k] = (await t.data())[0];
        t.dispose();
      }
      return losses;
    },
    dispose() {
      sem.dispose();
      optG.dispose();
      optD.dispose();
    },
  };
}
