/**
 * Trains the quality metric's segmenter (src/model/eval/segmenter.ts) on REAL procedural
 * landscapes only and writes media/models/segmenter-landscapes.safetensors (float16).
 *
 *   npm run train:segmenter [-- --steps N --batch B --out file]
 *
 * Scenes come straight from the dataset generator (no files): training uses seed TRAIN_SEED,
 * a fresh scene for every sample, and the held-out mIoU is measured on VAL_SEED's scenes. Both
 * seeds differ from the default model's training data (seed 1) and from the eval data the
 * README suggests (seed 4242). Two runs on wasm write the same weights (checked on a short run);
 * only train_seconds in the metadata differs.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/cli/backend';
import { writeFileAtomic } from '../src/cli/files';
import { makeLayout } from '../src/cli/dataset/layout';
import { sceneSeed } from '../src/cli/dataset/noise';
import { renderScene } from '../src/cli/dataset/render';
import { LANDSCAPES } from '../src/model/io/label_sets';
import { DEFAULT_SEGMENTER_CONFIG, Segmenter } from '../src/model/eval/segmenter';
import { resizeLabels, SegmenterTrainer } from '../src/model/eval/segmenter_train';
import { ConfusionMatrix } from '../src/model/eval/metrics';

const TRAIN_SEED = 1001;
const VAL_SEED = 1002;
const SIZE = 256;
const INIT_SEED = 7;

interface Scene {
  rgb: Uint8Array;
  labels: Uint8Array;
}

function scene(seed: number, index: number): Scene {
  const s = makeLayout(sceneSeed(seed, index), SIZE, SIZE);
  return { rgb: renderScene(s).rgb, labels: s.labels };
}

/** 8-bit RGB images -> (N, H, W, 3) in [-1, 1]. */
function toTensor(rgbs: Uint8Array[], h: number, w: number): tf.Tensor4D {
  const data = new Float32Array(rgbs.length * h * w * 3);
  rgbs.forEach((rgb, n) => {
    for (let i = 0; i < rgb.length; i++) data[n * rgb.length + i] = rgb[i] / 127.5 - 1;
  });
  return tf.tensor4d(data, [rgbs.length, h, w, 3]);
}

/**
 * Median-frequency balancing, softened by a square root: rare classes (flower, snow, sand)
 * weigh more, so the mean IoU is not decided by sky and grass alone.
 */
function classWeights(scenes: Scene[], k: number): Float32Array {
  const freq = new Float64Array(k);
  for (const s of scenes) for (const id of s.labels) if (id < k) freq[id]++;
  const present = [...freq].filter((f) => f > 0).sort((a, b) => a - b);
  const median = present[Math.floor(present.length / 2)];
  return Float32Array.from(freq, (f) => (f > 0 ? Math.min(4, Math.sqrt(median / f)) : 0));
}

async function heldOut(seg: Segmenter, count: number): Promise<ConfusionMatrix> {
  const cm = new ConfusionMatrix(seg.numClasses);
  for (let i = 0; i < count; i++) {
    const s = scene(VAL_SEED, i);
    const x = toTensor([s.rgb], SIZE, SIZE);
    cm.add(s.labels, await seg.predict(x, SIZE, SIZE));
    x.dispose();
  }
  return cm;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '500' },
      batch: { type: 'string', default: '8' },
      lr: { type: 'string', default: '0.002' },
      val: { type: 'string', default: '100' },
      backend: { type: 'string' },
      out: { type: 'string', default: path.join(__dirname, '..', 'media', 'models', 'segmenter-landscapes.safetensors') },
    },
  });
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const lr0 = Number(values.lr);
  for (const [name, v] of [['steps', steps], ['batch', batch], ['val', Number(values.val)]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  }
  if (!(lr0 > 0)) throw new Error('--lr must be a positive number');
  const backend = await selectBackend(values.backend);
  const names = [...LANDSCAPES.names];
  const k = names.length;
  const seg = Segmenter.initialise({ ...DEFAULT_SEGMENTER_CONFIG, classes: names, label_set: LANDSCAPES.name }, INIT_SEED);
  const s = seg.config.input_size;
  console.log(`segmenter: ${seg.paramCount()} parameters, input ${s}x${s}, ${k} classes; ${steps} steps of batch ${batch} on ${backend}`);
  const weights = classWeights(
    Array.from({ length: 200 }, (_, i) => scene(TRAIN_SEED, i)),
    k,
  );
  console.log(`class weights: ${names.map((n, c) => `${n} ${weights[c].toFixed(2)}`).join(', ')}`);

  const trainer = new SegmenterTrainer(seg);
  const t0 = performance.now();
  let genMs = 0;
  let avg = 0;
  for (let step = 0; step < steps; step++) {
    const g0 = performance.now();
    const scenes = Array.from({ length: batch }, (_, b) => scene(TRAIN_SEED, step * batch + b));
    genMs += performance.now() - g0;
    const x = tf.tidy(() => seg.resizeInput(toTensor(scenes.map((sc) => sc.rgb), SIZE, SIZE)));
    const labels = new Int32Array(batch * s * s);
    scenes.forEach((sc, b) => labels.set(resizeLabels(sc.labels, SIZE, SIZE, s, s), b * s * s));
    // Linear warm-up over 20 steps, then cosine decay to zero.
    const lr = lr0 * Math.min(1, (step + 1) / 20) * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
    const loss = await trainer.step(x, labels, weights, lr);
    x.dispose();
    avg = step === 0 ? loss : 0.95 * avg + 0.05 * loss;
    if ((step + 1) % 25 === 0 || step === steps - 1) {
      const el = (performance.now() - t0) / 1000;
      console.log(`step ${step + 1}/${steps}  loss ${avg.toFixed(4)}  ${el.toFixed(0)} s (scene generation ${(genMs / 1000).toFixed(0)} s)`);
    }
  }
  const trainS = (performance.now() - t0) / 1000;
  trainer.dispose();

  const v0 = performance.now();
  const valCount = Number(values.val);
  const cm = await heldOut(seg, valCount);
  const miou = cm.meanIoU() ?? 0;
  const acc = cm.pixelAccuracy() ?? 0;
  console.log(`held-out real (seed ${VAL_SEED}, ${valCount} scenes at ${SIZE}x${SIZE}): mIoU ${miou.toFixed(4)}, pixel accuracy ${acc.toFixed(4)} (${((performance.now() - v0) / 1000).toFixed(0)} s)`);
  console.log(names.map((n, c) => `${n} ${cm.iou(c)?.toFixed(3) ?? '-'}`).join(', '));

  const bytes = await seg.toSafetensors({
    trained: JSON.stringify({
      script: 'scripts/train_segmenter.ts',
      train_seed: TRAIN_SEED,
      init_seed: INIT_SEED,
      steps,
      batch,
      lr: lr0,
      backend,
      train_seconds: Math.round(trainS),
      heldout: { seed: VAL_SEED, scenes: valCount, size: SIZE, miou: +miou.toFixed(4), pixel_acc: +acc.toFixed(4) },
    }),
  });
  writeFileAtomic(values.out, bytes);
  console.log(`wrote ${path.relative(process.cwd(), values.out)} (${(bytes.length / 1024).toFixed(0)} KiB) after ${trainS.toFixed(0)} s of training`);
  seg.dispose();
}

void main();
