/**
 * `DatasetLoader`: training batches from a scanned dataset. Each epoch visits the pairs in a
 * seeded random order; each sample gets its own seeded crop/flip (augment.ts). Both are pure
 * functions of (seed, epoch, position), so `state()` is just those numbers and a restored loader
 * continues exactly where the saved one was. As in NVlabs (drop_last in training), an epoch
 * ends when fewer pairs remain than a batch needs.
 */
import { filePalette, mapIdsToModel, semanticChannels } from '../../model/io/label_sets';
import type { SpadeConfig } from '../../model/config';
import type { LabelBatch } from '../../model/preprocess';
import { SpadeInputError } from '../../model/errors';
import {
  augmentIds,
  augmentRgb,
  checkPreprocess,
  drawAugmentation,
  preprocessFor,
  sizeProblem,
  trainingSize,
  type PreprocessMode,
  type PreprocessOptions,
  type Size,
} from '../../model/data/augment';
import { mixSeed, permutation } from '../../model/data/prng';
import { mulberry32 } from '../../model/random';
import { cachedPairs, datasetError, DEFAULT_CACHE_BYTES, pairBytes, type DatasetPair, type DatasetReport } from './dataset';
import { loadPair, type DecodedPair, type PairReadOptions } from './pair_io';

export interface LoaderOptions {
  seed: number;
  preprocess_mode: PreprocessMode;
  load_size: number;
  no_flip: boolean;
  /** Decoded pairs kept in memory (the scan's included). Default 512 MiB; 0 decodes every batch. */
  cacheBytes?: number;
  /** Train on the report's good pairs even though it lists problems. Default: refuse. */
  ignoreProblems?: boolean;
}

/** Where the loader stands; save it with a checkpoint and `restore` it to resume. */
export interface LoaderState {
  seed: number;
  epoch: number;
  /** Position in the epoch's order of the next sample. */
  index: number;
  /** Number of pairs and a hash of their stems: a resume on another dataset is refused. */
  pairs: number;
  fingerprint: string;
}

export interface TrainingBatch {
  /** Model ids (dontcare already at label_nc), N*H*W, with instance ids unless no_instance. */
  labels: LabelBatch;
  /** NHWC float32 photos in [-1, 1], N*H*W*3. */
  images: Float32Array;
  /** Which pairs these are, in batch order. */
  stems: string[];
  epoch: number;
}

function fingerprint(pairs: readonly DatasetPair[]): string {
  let h = 0x811c9dc5;
  for (const p of pairs)
    for (let i = 0; i <= p.stem.length; i++) h = Math.imul(h ^ (i < p.stem.length ? p.stem.charCodeAt(i) : 0), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export class DatasetLoader {
  /** Width and height of every sample: the generator's output size. */
  readonly size: Size;
  private readonly pairs: readonly DatasetPair[];
  private readonly pp: PreprocessOptions;
  private readonly toModel: Int32Array;
  private readonly withInstances: boolean;
  private readonly readOpts: PairReadOptions;
  private readonly cache: Map<string, DecodedPair>;
  private cacheBytes: number;
  private readonly budget: number;
  private seed: number;
  private epoch = 0;
  private index = 0;
  private order: { epoch: number; perm: Int32Array } | null = null;

  constructor(report: DatasetReport, private readonly cfg: SpadeConfig, opts: LoaderOptions) {
    if (report.problems.length > 0 && !opts.ignoreProblems) throw datasetError(report);
    if (report.pairs.length === 0) throw new SpadeInputError('no usable training pairs', report.root);
    if (report.label_nc !== cfg.label_nc || report.contain_dontcare_label !== cfg.contain_dontcare_label) {
      throw new SpadeInputError(
        `the dataset was checked for label_nc ${report.label_nc}, contain_dontcare_label ${report.contain_dontcare_label}, ` +
          `but the model has ${cfg.label_nc}, ${cfg.contain_dontcare_label}: scan it with the model's options`,
        report.root,
      );
    }
    if (!cfg.no_instance && !report.hasInstances) {
      throw new SpadeInputError('the model uses instance maps (no_instance is false) but the dataset has no instances/ folder', report.root);
    }
    if (!Number.isSafeInteger(opts.seed)) throw new SpadeInputError(`seed must be an integer, got ${opts.seed}`, 'loader options');
    this.seed = opts.seed;
    this.pp = preprocessFor(cfg, opts);
    checkPreprocess(this.pp, 'loader options');
    this.size = trainingSize(cfg);
    for (const p of report.pairs) {
      const why = sizeProblem(this.pp, p);
      if (why) throw new SpadeInputError(why, p.label);
    }
    this.pairs = report.pairs;
    this.withInstances = !cfg.no_instance;
    this.readOpts = { palette: filePalette(report.labelSet), maxPixels: report.maxPixels };
    // File id -> model id for every 16-bit value, once; -1 where no channel fits.
    this.toModel = mapIdsToModel(
      Int32Array.from({ length: 65536 }, (_, i) => i),
      report.labelSet,
      cfg.label_nc,
      cfg.contain_dontcare_label,
    ).ids;
    this.budget = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.cache = new Map();
    this.cacheBytes = 0;
    for (const [stem, pair] of cachedPairs(report)) this.remember(stem, pair);
  }

  /** Number of pairs. */
  get length(): number {
    return this.pairs.length;
  }

  /** Pairs currently held decoded in memory. */
  get cachedPairs(): number {
    return this.cache.size;
  }

  batchesPerEpoch(batchSize: number): number {
    return Math.floor(this.pairs.length / batchSize);
  }

  state(): LoaderState {
    return {
      seed: this.seed,
      epoch: this.epoch,
      index: this.index,
      pairs: this.pairs.length,
      fingerprint: fingerprint(this.pairs),
    };
  }

  restore(s: LoaderState): void {
    const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (!ok(s.epoch) || !ok(s.index) || !Number.isSafeInteger(s.seed)) throw new SpadeInputError(`invalid loader state ${JSON.stringify(s)}`, 'resume state');
    if (s.pairs !== this.pairs.length || s.fingerprint !== fingerprint(this.pairs)) {
      throw new SpadeInputError(`was saved for a dataset of ${s.pairs} pairs (${s.fingerprint}); this one has ${this.pairs.length} (${fingerprint(this.pairs)})`, 'resume state');
    }
    this.seed = s.seed;
    this.epoch = s.epoch;
    this.index = s.index;
  }

  /** Places the loader at `index` samples into `epoch` (from 0) of this seed's order: where an NVlabs run stood. */
  seek(epoch: number, index: number): void {
    const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
    if (!ok(epoch) || !ok(index) || index > this.pairs.length) throw new SpadeInputError(`cannot continue at epoch ${epoch + 1}, sample ${index} of ${this.pairs.length}`, 'iter.txt');
    this.epoch = epoch;
    this.index = index;
  }

  /** The next `batchSize` samples; starts a new epoch when fewer than that are left. */
  next(batchSize: number): TrainingBatch {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new SpadeInputError(`batch size must be a positive integer, got ${batchSize}`);
    if (batchSize > this.pairs.length) {
      throw new SpadeInputError(`batch size ${batchSize} is larger than the dataset (${this.pairs.length} pairs)`);
    }
    if (this.index + batchSize > this.pairs.length) {
      this.epoch++;
      this.index = 0;
    }
    const perm = this.epochOrder(this.epoch);
    const { width: w, height: h } = this.size;
    const ids = new Int32Array(batchSize * h * w);
    const instances = this.withInstances ? new Int32Array(batchSize * h * w) : undefined;
    const images = new Float32Array(batchSize * h * w * 3);
    const stems: string[] = [];
    for (let k = 0; k < batchSize; k++) {
      const pos = this.index + k;
      const pair = this.pairs[perm[pos]];
      const data = this.decoded(pair);
      const aug = drawAugmentation(this.pp, pair, mulberry32(mixSeed(this.seed, this.epoch, pos)));
      const lab = augmentIds(data.label, aug);
      for (let i = 0; i < lab.length; i++) {
        const m = this.toModel[lab[i]];
        if (m < 0) throw new SpadeInputError(`label id ${lab[i]} fits none of the model's ${semanticChannels(this.cfg.label_nc, this.cfg.contain_dontcare_label)} classes (the file changed since the scan?)`, pair.label);
        ids[k * h * w + i] = m;
      }
      if (instances) {
        if (!data.instance) throw new SpadeInputError('no instance map for this pair', pair.label);
        instances.set(augmentIds(data.instance, aug), k * h * w);
      }
      augmentRgb(data.rgb, aug, images, k * h * w * 3);
      stems.push(pair.stem);
    }
    const epoch = this.epoch;
    this.index += batchSize;
    const labels: LabelBatch = { ids, n: batchSize, h, w };
    if (instances) labels.instances = instances;
    return { labels, images, stems, epoch };
  }

  private epochOrder(epoch: number): Int32Array {
    if (this.order?.epoch !== epoch)
      this.order = { epoch, perm: permutation(this.pairs.length, mulberry32(mixSeed(this.seed, epoch))) };
    return this.order.perm;
  }

  private decoded(pair: DatasetPair): DecodedPair {
    const hit = this.cache.get(pair.stem);
    if (hit) return hit;
    const data = loadPair(pair, this.readOpts, this.withInstances);
    if (data.width !== pair.width || data.height !== pair.height) {
      throw new SpadeInputError(`is now ${data.width}x${data.height}, was ${pair.width}x${pair.height} when scanned`, pair.label);
    }
    this.remember(pair.stem, data);
    return data;
  }

  private remember(stem: string, pair: DecodedPair): void {
    const bytes = pairBytes(pair, pair.instance !== undefined);
    if (this.cacheBytes + bytes > this.budget) return;
    this.cache.set(stem, pair);
    this.cacheBytes += bytes;
  }
}
