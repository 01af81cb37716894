/**
 * Training options, named as NVlabs/SPADE names them (`options/train_options.py`), in one place.
 * One difference: `niter` and `niter_decay` count optimisation steps, not epochs, because a
 * fine-tuning set can be a handful of images (an "epoch" of 8 pictures means little).
 */
import { SpadeInputError } from '../errors';

export interface TrainOptions {
  /** Base learning rate; with TTUR G gets lr/2 and D lr*2 (pix2pix_model.create_optimizers). */
  lr: number;
  /** Adam betas; NVlabs' defaults are (0, 0.9) with TTUR and (0.5, 0.999) with --no_TTUR. */
  beta1: number;
  beta2: number;
  no_TTUR: boolean;
  /** Steps at the base learning rate. */
  niter: number;
  /** Steps of linear decay to zero after `niter`. */
  niter_decay: number;
  batchSize: number;
  /**
   * Steps, counted from the run's step 0, that update D alone while G and E stay as they are: for
   * a trained G that meets a fresh discriminator (no NVlabs counterpart). 0: every step updates both.
   */
  d_warmup: number;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<Omit<TrainOptions, 'beta1' | 'beta2'>> = Object.freeze({
  lr: 0.0002,
  no_TTUR: false,
  niter: 1000,
  niter_decay: 0,
  batchSize: 1,
  d_warmup: 0,
});

export function makeTrainOptions(partial: Partial<TrainOptions>, source = 'training options'): TrainOptions {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TrainOptions>;
  const noTTUR = given.no_TTUR ?? DEFAULT_TRAIN_OPTIONS.no_TTUR;
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, beta1: noTTUR ? 0.5 : 0, beta2: noTTUR ? 0.999 : 0.9, ...given };
  const bad = (msg: string): never => {
    throw new SpadeInputError(msg, source);
  };
  if (!(Number.isFinite(o.lr) && o.lr > 0)) bad(`lr must be a positive number, got ${o.lr}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(Number.isFinite(o[k]) && o[k] >= 0 && o[k] < 1)) bad(`${k} must be in [0, 1), got ${o[k]}`);
  for (const k of ['niter', 'niter_decay', 'd_warmup'] as const) if (!(Number.isInteger(o[k]) && o[k] >= 0)) bad(`${k} must be an integer ≥ 0, got ${o[k]}`);
  if (!(Number.isInteger(o.batchSize) && o.batchSize > 0 && o.batchSize <= 256)) bad(`batch size must be an integer in 1..256, got ${o.batchSize}`);
  if (typeof o.no_TTUR !== 'boolean') bad('no_TTUR must be true or false');
  return o;
}

/** Adam hyper-parameters of each optimizer at a step (0-based: the step about to run). */
export interface StepRates {
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
}

/**
 * NVlabs' schedule (Pix2PixTrainer.update_learning_rate) in steps: `niter` steps at lr, then
 * `niter_decay` steps at lr·(1 − k/niter_decay) for k = 0, 1, …, the last one at lr/niter_decay,
 * then zero. TTUR gives G lr/2 and D lr·2 (create_optimizers); the betas are the same for both.
 */
export function ratesAt(o: TrainOptions, step: number): StepRates {
  const k = step - o.niter;
  const lr = k < 0 ? o.lr : k < o.niter_decay ? o.lr * (1 - k / o.niter_decay) : o.niter_decay === 0 ? o.lr : 0;
  const [lrG, lrD] = o.no_TTUR ? [lr, lr] : [lr / 2, lr * 2];
  return { lrG, lrD, beta1: o.beta1, beta2: o.beta2 };
}
