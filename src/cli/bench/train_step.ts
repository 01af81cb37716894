/**
 * The train bench's step: the trainer `spade train` runs (src/model/train/trainer.ts), on a
 * fixed batch, so the bench times exactly that code. NVlabs' TTUR defaults (G lr/2, D lr·2,
 * betas (0, 0.9)); `lr` 0 leaves only the BN/spectral-norm buffer updates (used by the tests).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeModel } from '../../model/model';
import type { LabelBatch } from '../../model/preprocess';
import { SpadeTrainer, type QueuedStep } from '../../model/train/trainer';
import { makeTrainOptions } from '../../model/train/options';

export interface TrainStepper {
  step(): Promise<Record<string, number>>;
  /** A step that is queued and whose losses are not read (a step that does not log). */
  queue(): QueuedStep;
  dispose(): void;
}

export function trainStepper(model: SpadeModel, labels: LabelBatch, images: tf.Tensor4D, lr = 0.0002): TrainStepper {
  if (!model.D) throw new Error('the train bench needs a discriminator');
  const pixels = Float32Array.from(images.dataSync());
  // lr 0 is outside the trainer's options (a real run needs lr > 0): take the smallest positive
  // float instead, which moves no float32 weight by a representable amount.
  const trainer = new SpadeTrainer(
    model,
    makeTrainOptions({ lr: lr > 0 ? lr : Number.MIN_VALUE, niter: 1 << 30, batchSize: labels.n }),
    { seed: 0 },
  );
  return {
    async step() {
      return { ...(await trainer.trainStep({ labels, images: pixels }, 'bench batch')) };
    },
    queue() {
      return trainer.queueStep({ labels, images: pixels }, 'bench batch');
    },
    dispose() {
      trainer.dispose();
    },
  };
}
