/**
 * The quality metric (the SPADE paper's mIoU protocol on our procedural landscapes): every
 * label map is synthesized with the model, and the segmenter labels both the real photo (when
 * there is one) and the synthesized picture. The scores compare its predictions with the label
 * map; the per-class colour distance compares the real and synthesized pixels of each class.
 *
 * - Dontcare pixels (and any id the label set maps to the dontcare channel) count nowhere.
 * - Confusion matrices are summed over the whole set before IoU is taken, as the paper does.
 * - A class absent from both the ground truth and the prediction has no IoU and is left out of
 *   the mean; a class that is only predicted counts, with IoU 0.
 * - Synthesized pictures are rounded to 8 bits, as `spade synth` writes them, and resized to the
 *   label map's size (bilinear) if the model's output size differs.
 * - hist_dist is the Hellinger distance between normalised 8x8x8-bin joint RGB histograms of
 *   the class's real and synthesized pixels (0 = same colours, 1 = no colour in common).
 * - sharpness is the texture energy (src/model/eval/sharpness.ts) of the synthesized pictures over
 *   that of the real ones, at the pixel scale and after a 2x2 box average (1 = as detailed as real).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SpadeInputError } from '../../model/errors';
import { decodePhoto } from '../../model/data/photo';
import type { SpadeModel } from '../../model/model';
import { Segmenter } from '../../model/eval/segmenter';
import { ClassHistograms, ConfusionMatrix } from '../../model/eval/metrics';
import { SHARPNESS_SCALES, TextureEnergy } from '../../model/eval/sharpness';
import { readInput } from '../files';
import { loadModel, readLabels } from '../load';
import { defaultCheckpoint } from '../default_model';
import { rgbBytes } from '../../model/image_bytes';

export interface EvalSample {
  label: string;
  /** The real photo of the label map; without it only the synthesized side is scored. */
  image?: string;
  /** Instance map, for models that use them (no_instance false). */
  instance?: string;
}

export interface ClassScores {
  iou_real: number | null;
  iou_synth: number | null;
  hist_dist: number | null;
}

/** Texture energy at one box scale (1 = pixels, 2 = 2x2 averages): means and synth / real. */
export interface SharpnessScore {
  scale: number;
  energy_real: number | null;
  energy_synth: number | null;
  ratio: number | null;
}

export interface EvalReport {
  miou_real: number | null;
  miou_synth: number | null;
  pixel_acc_real: number | null;
  pixel_acc_synth: number | null;
  /** Every class that appears in the ground truth or in a prediction. */
  per_class: Record<string, ClassScores>;
  /** Mean of per_class hist_dist over the classes that have one. */
  mean_hist_dist: number | null;
  sharpness: SharpnessScore[];
  samples: number;
  seed: number;
  hist_dist_kind: string;
  seconds: { synthesize: number; segment: number };
}

export interface EvalOptions {
  /** Style seed of the first sample; sample i uses seed + i (VAE models only). */
  seed?: number;
  /** Called after each sample. */
  progress?: (done: number, total: number) => void;
}

export const HIST_DIST_KIND = 'hellinger, 8x8x8-bin joint RGB histograms of each class (real vs synthesized pixels)';

/** 8-bit RGB -> (1, H, W, 3) in [-1, 1]. */
function rgbTensor(rgb: Uint8Array, h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(rgb, (v) => v / 127.5 - 1), [1, h, w, 3]);
}

/** The generator's picture at the label's size, rounded to 8 bits as a saved PNG would be. */
async function synthesizeRgb(
  model: SpadeModel,
  sample: EvalSample,
  seed: number,
): Promise<{ rgb: Uint8Array; gt: Int32Array; h: number; w: number }> {
  const labels = readLabels(model, sample.label, sample.instance);
  const { h, w } = labels;
  const img = tf.tidy(() => {
    const out = model.synthesize(labels, { seed }, sample.label);
    return out.shape[1] === h && out.shape[2] === w ? out : tf.image.resizeBilinear(out, [h, w], false, true);
  });
  const data = (await img.data()) as Float32Array;
  img.dispose();
  return { rgb: rgbBytes(data), gt: labels.ids, h, w };
}

function checkCompatible(model: SpadeModel, seg: Segmenter, checkpoint: string): void {
  const names = model.labelSet.names.slice(0, model.config.label_nc);
  const same = names.length === seg.config.classes.length && names.every((n, i) => n === seg.config.classes[i]);
  if (!same) {
    throw new SpadeInputError(
      `the model's label set '${model.labelSet.name}' (${names.length} classes) is not the segmenter's '${seg.config.label_set}' (${seg.config.classes.length} classes): the segmenter can only score ${seg.config.label_set} models`,
      checkpoint,
    );
  }
}

/** Scores `samples` with a loaded model and segmenter (see the file comment for the rules). */
export async function evaluateSamples(
  model: SpadeModel,
  seg: Segmenter,
  samples: EvalSample[],
  checkpoint: string,
  opts: EvalOptions = {},
): Promise<EvalReport> {
  checkCompatible(model, seg, checkpoint);
  const k = seg.numClasses;
  const seed = opts.seed ?? 0;
  const cmReal = new ConfusionMatrix(k);
  const cmSynth = new ConfusionMatrix(k);
  const histReal = new ClassHistograms(k);
  const histSynth = new ClassHistograms(k);
  const energyReal = SHARPNESS_SCALES.map((s) => new TextureEnergy(s));
  const energySynth = SHARPNESS_SCALES.map((s) => new TextureEnergy(s));
  let synthMs = 0;
  let segMs = 0;
  let withImage = 0;
  for (const [i, sample] of samples.entries()) {
    // The photo is read first: a bad file fails before the (slower) synthesis.
    const photo = sample.image ? decodePhoto(readInput(sample.image, 'image'), sample.image) : undefined;
    const t0 = performance.now();
    const { rgb, gt, h, w } = await synthesizeRgb(model, sample, seed + i);
    const t1 = performance.now();
    synthMs += t1 - t0;
    const fake = rgbTensor(rgb, h, w);
    cmSynth.add(gt, await seg.predict(fake, h, w));
    fake.dispose();
    histSynth.add(gt, rgb);
    for (const e of energySynth) e.add(rgb, h, w);
    if (photo) {
      if (photo.width !== w || photo.height !== h)
        throw new SpadeInputError(
          `image is ${photo.width}x${photo.height} but its label map ${sample.label} is ${w}x${h}`,
          sample.image,
        );
      const real = rgbTensor(photo.rgb, h, w);
      cmReal.add(gt, await seg.predict(real, h, w));
      real.dispose();
      histReal.add(gt, photo.rgb);
      for (const e of energyReal) e.add(photo.rgb, h, w);
      withImage++;
    }
    segMs += performance.now() - t1;
    opts.progress?.(i + 1, samples.length);
  }
  const hasReal = withImage > 0;
  const per_class: Record<string, ClassScores> = {};
  for (let c = 0; c < k; c++) {
    const scores: ClassScores = {
      iou_real: hasReal ? cmReal.iou(c) : null,
      iou_synth: cmSynth.iou(c),
      hist_dist: histReal.hellinger(histSynth, c),
    };
    if (scores.iou_real !== null || scores.iou_synth !== null) per_class[seg.config.classes[c]] = scores;
  }
  const dists = Object.values(per_class).flatMap((s) => (s.hist_dist === null ? [] : [s.hist_dist]));
  return {
    miou_real: hasReal ? cmReal.meanIoU() : null,
    miou_synth: cmSynth.meanIoU(),
    pixel_acc_real: hasReal ? cmReal.pixelAccuracy() : null,
    pixel_acc_synth: cmSynth.pixelAccuracy(),
    per_class,
    mean_hist_dist: dists.length ? dists.reduce((a, b) => a + b, 0) / dists.length : null,
    sharpness: SHARPNESS_SCALES.map((scale, i) => ({
      scale,
      energy_real: hasReal ? energyReal[i].mean() : null,
      energy_synth: energySynth[i].mean(),
      ratio: hasReal ? energySynth[i].ratio(energyReal[i]) : null,
    })),
    samples: samples.length,
    seed,
    hist_dist_kind: HIST_DIST_KIND,
    seconds: { synthesize: +(synthMs / 1000).toFixed(2), segment: +(segMs / 1000).toFixed(2) },
  };
}

export const SEGMENTER_FILE = 'segmenter-landscapes.safetensors';

/** The bundled segmenter: media/models beside the bundle (dist/) or above the sources (src/cli/eval/). */
export function defaultSegmenter(): string {
  const dirs = [path.join(__dirname, '..', 'media', 'models'), path.join(__dirname, '..', '..', '..', 'media', 'models')];
  const found = dirs.map((d) => path.join(d, SEGMENTER_FILE)).find((f) => fs.existsSync(f));
  if (!found) throw new SpadeInputError(`no --segmenter given and no bundled ${SEGMENTER_FILE} found (looked in ${dirs.join(', ')})`);
  return found;
}

export function loadSegmenter(file: string): Segmenter {
  return Segmenter.fromSafetensors(readInput(file, 'segmenter'), file);
}

/**
 * Loads the model (default: media/models/default.safetensors, else the untrained stand-in) and
 * the segmenter (default: the bundled one), scores the samples and frees everything. This is
 * the entry point for tests that score a list of label files, e.g. media/samples.
 */
export async function evaluateFiles(
  samples: EvalSample[],
  opts: EvalOptions & { checkpoint?: string; segmenter?: string } = {},
): Promise<EvalReport & { checkpoint: string; segmenter: string }> {
  if (samples.length === 0) throw new SpadeInputError('no label maps to evaluate');
  const checkpoint = opts.checkpoint ?? defaultCheckpoint().file;
  const segFile = opts.segmenter ?? defaultSegmenter();
  const seg = loadSegmenter(segFile);
  try {
    const model = loadModel(checkpoint, undefined);
    try {
      return { checkpoint, segmenter: segFile, ...(await evaluateSamples(model, seg, samples, checkpoint, opts)) };
    } finally {
      model.dispose();
    }
  } finally {
    seg.dispose();
  }
}
