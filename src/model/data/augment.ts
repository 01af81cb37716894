/**
 * Training-time preprocessing with NVlabs' `preprocess_mode` semantics (data/base_dataset.py,
 * get_params + get_transform): resize, random crop, random horizontal flip. One draw of crop
 * position and flip is applied to the photo, the label map and the instance map alike; photos
 * are resampled bicubic, labels and instances nearest, both exactly as Pillow does.
 *
 * Where we differ from NVlabs, on purpose:
 * - `scale_shortside[_and_crop]` scales the short side to load_size. NVlabs computes that width
 *   and then resizes to (short side, new long side), stretching the picture (a bug).
 * - Crops are crop_size x round(crop_size / aspect_ratio), the generator's output size. NVlabs
 *   crops a square, which fails in the discriminator whenever aspect_ratio != 1.
 * - A crop larger than the resized picture, or a no-crop mode whose result is not the generator's
 *   size, is refused. PIL would pad with black (and label 0), NVlabs then crashes or trains on it.
 */
import { numUpLayers, outputSize, pyRound, type SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import { randInt } from './prng';
import { bicubicTaps, nearestTable, resampleRgb } from './resample';

export const PREPROCESS_MODES = [
  'resize_and_crop',
  'crop',
  'scale_width',
  'scale_width_and_crop',
  'scale_shortside',
  'scale_shortside_and_crop',
  'fixed',
  'none',
] as const;
export type PreprocessMode = (typeof PREPROCESS_MODES)[number];

export interface PreprocessOptions {
  preprocess_mode: PreprocessMode;
  load_size: number;
  crop_size: number;
  aspect_ratio: number;
  no_flip: boolean;
}

export interface Size {
  width: number;
  height: number;
}

/** One sample's random draw and the geometry it implies. */
export interface Augmentation {
  src: Size;
  /** Size after the resize step (before the crop). */
  resized: Size;
  /** Crop window in resized coordinates; its size is the output size. */
  crop: { x: number; y: number; width: number; height: number };
  flip: boolean;
}

/** The preprocessing a model trains with: its crop_size and aspect_ratio, plus the data options. */
export function preprocessFor(
  cfg: Pick<SpadeConfig, 'crop_size' | 'aspect_ratio'>,
  o: Pick<PreprocessOptions, 'preprocess_mode' | 'load_size' | 'no_flip'>,
): PreprocessOptions {
  return {
    preprocess_mode: o.preprocess_mode,
    load_size: o.load_size,
    no_flip: o.no_flip,
    crop_size: cfg.crop_size,
    aspect_ratio: cfg.aspect_ratio,
  };
}

/** Checks the options, naming the bad one. */
export function checkPreprocess(opts: PreprocessOptions, source = 'preprocess options'): void {
  if (!PREPROCESS_MODES.includes(opts.preprocess_mode)) {
    throw new SpadeInputError(`preprocess_mode must be one of ${PREPROCESS_MODES.join(', ')}, got ${JSON.stringify(opts.preprocess_mode)}`, source);
  }
  for (const k of ['load_size', 'crop_size'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] <= 0) throw new SpadeInputError(`${k} must be a positive integer, got ${JSON.stringify(opts[k])}`, source);
  }
  if (!(opts.aspect_ratio > 0 && Number.isFinite(opts.aspect_ratio))) {
    throw new SpadeInputError(`aspect_ratio must be a positive number, got ${JSON.stringify(opts.aspect_ratio)}`, source);
  }
}

/** The size every training sample ends up at: (crop_size, round(crop_size / aspect_ratio)). */
export function targetSize(opts: Pick<PreprocessOptions, 'crop_size' | 'aspect_ratio'>): Size {
  return { width: opts.crop_size, height: pyRound(opts.crop_size / opts.aspect_ratio) };
}

/**
 * The training size for a model, which must equal the generator's output size: a generator
 * only makes multiples of 2^n (n upsamplings), and its output meets the real photo in the
 * discriminator and the losses.
 */
export function trainingSize(cfg: SpadeConfig): Size {
  const t = targetSize(cfg);
  const g = outputSize(cfg);
  if (g.width !== t.width || g.height !== t.height) {
    const step = 2 ** numUpLayers(cfg);
    throw new SpadeInputError(
      `crop_size ${cfg.crop_size} and aspect_ratio ${cfg.aspect_ratio} ask for ${t.width}x${t.height} training images, ` +
        `but with num_upsampling_layers '${cfg.num_upsampling_layers}' the generator makes ${g.width}x${g.height}: ` +
        `crop_size and crop_size / aspect_ratio must be multiples of ${step}`,
      'model options',
    );
  }
  return t;
}

/** Size after the resize step of `preprocess_mode`, as NVlabs' get_params/get_transform compute it. */
export function resizedSize(opts: PreprocessOptions, src: Size): Size {
  const { width: w, height: h } = src;
  const load = opts.load_size;
  switch (opts.preprocess_mode) {
    case 'resize_and_crop':
      return { width: load, height: load };
    case 'scale_width':
    case 'scale_width_and_crop':
      return w === load ? src : { width: load, height: Math.floor((load * h) / w) };
    case 'scale_shortside':
    case 'scale_shortside_and_crop': {
      const ss = Math.min(w, h);
      if (ss === load) return src;
      const ls = Math.floor((load * Math.max(w, h)) / ss);
      return w === ss ? { width: load, height: ls } : { width: ls, height: load };
    }
    case 'fixed':
      return targetSize(opts);
    case 'none': // __make_power_2(img, 32), Python's round
      return { width: pyRound(w / 32) * 32, height: pyRound(h / 32) * 32 };
    case 'crop':
      return src;
  }
}

function crops(mode: PreprocessMode): boolean {
  return mode.endsWith('crop');
}

/**
 * Why `preprocess_mode` cannot turn a `src`-sized pair into a training sample, or null when it
 * can. Reasons: the crop does not fit the resized picture, or a mode without a crop does not
 * land on the target size.
 */
export function sizeProblem(opts: PreprocessOptions, src: Size): string | null {
  const r = resizedSize(opts, src);
  const t = targetSize(opts);
  const mode = opts.preprocess_mode;
  const from = `${src.width}x${src.height}`;
  const to = `${r.width}x${r.height}`;
  if (crops(mode)) {
    if (r.width >= t.width && r.height >= t.height) return null;
    const resized = mode === 'crop' ? from : `${from}, resized to ${to} by ${mode},`;
    return `${resized} is smaller than the ${t.width}x${t.height} crop`;
  }
  if (r.width === t.width && r.height === t.height) return null;
  return `${from} becomes ${to} under preprocess_mode '${mode}', not the ${t.width}x${t.height} the model trains on`;
}

/** NVlabs get_params: crop position uniform over the valid range, then a coin for the flip. */
export function drawAugmentation(opts: PreprocessOptions, src: Size, rand: () => number): Augmentation {
  const problem = sizeProblem(opts, src);
  if (problem) throw new SpadeInputError(problem);
  const resized = resizedSize(opts, src);
  const t = crops(opts.preprocess_mode) ? targetSize(opts) : resized;
  const x = randInt(rand, 0, Math.max(0, resized.width - t.width));
  const y = randInt(rand, 0, Math.max(0, resized.height - t.height));
  const coin = rand() > 0.5;
  const cropped = crops(opts.preprocess_mode);
  return {
    src,
    resized,
    crop: { x: cropped ? x : 0, y: cropped ? y : 0, width: t.width, height: t.height },
    flip: coin && !opts.no_flip,
  };
}

/** Resized-space coordinates of the output columns (flip applied) and rows. */
function windowCoords(aug: Augmentation): { cols: Int32Array; rows: Int32Array } {
  const { x, y, width, height } = aug.crop;
  const cols = new Int32Array(width);
  for (let o = 0; o < width; o++) cols[o] = x + (aug.flip ? width - 1 - o : o);
  const rows = new Int32Array(height);
  for (let o = 0; o < height; o++) rows[o] = y + o;
  return { cols, rows };
}

/** Applies `aug` to a label or instance map (nearest), returning crop.width * crop.height ids. */
export function augmentIds<T extends Uint8Array | Uint16Array | Int32Array>(ids: T, aug: Augmentation): T {
  const { cols, rows } = windowCoords(aug);
  const xs = nearestTable(aug.src.width, aug.resized.width);
  const ys = nearestTable(aug.src.height, aug.resized.height);
  const out = new (ids.constructor as new (n: number) => T)(cols.length * rows.length);
  const sw = aug.src.width;
  for (let j = 0; j < rows.length; j++) {
    const srow = ys[rows[j]] * sw;
    for (let i = 0; i < cols.length; i++) out[j * cols.length + i] = ids[srow + xs[cols[i]]];
  }
  return out;
}

/** Applies `aug` to 8-bit RGB (bicubic), writing crop.width * crop.height * 3 floats in [-1, 1] at `offset`. */
export function augmentRgb(rgb: Uint8Array, aug: Augmentation, out: Float32Array, offset = 0): void {
  const { cols, rows } = windowCoords(aug);
  const colTaps = bicubicTaps(aug.src.width, aug.resized.width, cols);
  const rowTaps = bicubicTaps(aug.src.height, aug.resized.height, rows);
  resampleRgb(rgb, aug.src.width, colTaps, rowTaps, out, offset);
}
