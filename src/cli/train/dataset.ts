/**
 * `scanDataset`: checks a training dataset (NVlabs `custom` layout, see dataset_files.ts) end to
 * end and reports every problem in one list, each naming its file, so that a user fixes them all
 * in one go instead of meeting them one crash at a time mid-training. It decodes every label
 * map (to check ids: ids >= label_nc crash NVlabs, issues #137/#68), instance map and photo
 * (or only photo headers, with `checkImages: 'header'`), and keeps the decoded arrays of a small
 * dataset in memory for the loader, so nothing is decoded twice.
 */
import * as path from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../../model/io/png_scan';
import { filePalette, genericLabelSet, type LabelSet } from '../../model/io/label_sets';
import { checkPreprocess, sizeProblem, type PreprocessOptions, type Size } from '../../model/data/augment';
import { decodePhoto, photoSize } from '../../model/data/photo';
import { SpadeInputError } from '../../model/errors';
import { findPairs, findPairsIn, type DatasetProblem, type DatasetSource, type PairFiles, type ProblemKind } from './dataset_files';
import { decodeInstanceIds, decodeLabelIds, readBytes, sizeMismatch, type DecodedPair, type PairReadOptions } from './pair_io';
import { resolveLabels, type LabelFacts } from './dataset_labels';

export type { DatasetProblem, PairFiles, ProblemKind } from './dataset_files';

export interface ScanOptions {
  /** Classes; inferred as (largest non-dontcare id + 1) when omitted (or the label set's count). */
  label_nc?: number;
  /** Inferred from the data (any dontcare pixel) when omitted. */
  contain_dontcare_label?: boolean;
  /** true: ignore instances/; false: require it; omitted: use it when present. */
  no_instance?: boolean;
  /** How file ids map to classes (and colours of RGB label maps). Default: generic, 255 = dontcare. */
  labelSet?: LabelSet;
  /** Check every pair's size against this preprocessing. Without it, mixed sizes are a problem. */
  preprocess?: PreprocessOptions;
  /** Refuse pictures with more pixels, before decoding them. Default 4096². */
  maxPixels?: number;
  /** 'decode' (default) decodes every photo; 'header' reads only their sizes (much faster). */
  checkImages?: 'decode' | 'header';
  /** Decoded pairs up to this many bytes stay in memory for the loader. Default 512 MiB. */
  cacheBytes?: number;
  onProgress?: (done: number, total: number) => void;
  /** Where the folders are when not our images/ labels/ under the root (NVlabs' layouts, dataset_layouts.ts). */
  source?: DatasetSource;
}

export interface DatasetPair extends PairFiles, Size {}

export interface SizeCount extends Size {
  pairs: number;
}

/** What a scan found. The label fields (LabelFacts: label_nc, dontcare, id counts, problems, notes) are documented there. */
export interface DatasetReport extends LabelFacts {
  /** Pairs without problems, in NVlabs' natural order of stems; `problems` is empty when fit for training. */
  pairs: DatasetPair[];
  hasInstances: boolean;
  /** Sizes of the pairs, most common first. */
  sizes: SizeCount[];
  maxPixels: number;
}

export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

/** Decoded pairs a scan kept, by report, for the loader (kept out of the report so it prints small). */
const scanCache = new WeakMap<DatasetReport, Map<string, DecodedPair>>();

export function cachedPairs(report: DatasetReport): Map<string, DecodedPair> {
  return scanCache.get(report) ?? new Map();
}

export function pairBytes(p: Size, instances: boolean): number {
  return p.width * p.height * (3 + 2 + (instances ? 2 : 0));
}

interface Entry {
  files: PairFiles;
  size?: Size;
  hist?: Map<number, number>;
  ok: boolean;
  decoded?: DecodedPair;
}

function problemOf(e: unknown, file: string, kind: ProblemKind = 'unreadable'): DatasetProblem {
  if (!(e instanceof SpadeInputError)) throw e;
  const prefix = `${e.file}: `;
  const message = e.file !== undefined && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return { kind: message.startsWith('file is empty') ? 'empty_file' : kind, file: e.file ?? file, message };
}

const counts = new Uint32Array(65536);

function histogram(ids: Uint16Array): Map<number, number> {
  const seen: number[] = [];
  for (let i = 0; i < ids.length; i++) if (counts[ids[i]]++ === 0) seen.push(ids[i]);
  const hist = new Map<number, number>();
  for (const v of seen.sort((a, b) => a - b)) {
    hist.set(v, counts[v]);
    counts[v] = 0;
  }
  return hist;
}

function scanPair(files: PairFiles, opts: PairReadOptions, decodeImage: boolean, problems: DatasetProblem[]): Entry {
  const entry: Entry = { files, ok: true };
  const fail = (e: unknown, file: string) => {
    problems.push(problemOf(e, file));
    entry.ok = false;
  };
  /** A photo or instance map whose size is not the label map's. */
  const checkSize = (what: string, file: string, size: Size) => {
    const bad = label && sizeMismatch(what, size, files.label, label);
    if (!bad) return;
    problems.push({ kind: 'size_mismatch', file, message: bad });
    entry.ok = false;
  };
  let label: { width: number; height: number; ids: Uint16Array } | undefined;
  try {
    label = decodeLabelIds(readBytes(files.label, 'label map'), files.label, opts);
    entry.size = { width: label.width, height: label.height };
    entry.hist = histogram(label.ids);
  } catch (e) {
    fail(e, files.label);
  }
  let rgb: Uint8Array | undefined;
  try {
    const bytes = readBytes(files.image, 'photo');
    let size: Size;
    if (decodeImage) {
      const photo = decodePhoto(bytes, files.image, opts.maxPixels);
      rgb = photo.rgb;
      size = photo;
    } else {
      size = photoSize(bytes, files.image);
      if (size.width * size.height > opts.maxPixels) {
        throw new SpadeInputError(`image is ${size.width}x${size.height}, more than the limit of ${opts.maxPixels} pixels`, files.image);
      }
    }
    checkSize('photo', files.image, size);
  } catch (e) {
    fail(e, files.image);
  }
  let instance: Uint16Array | undefined;
  if (files.instance) {
    try {
      const inst = decodeInstanceIds(readBytes(files.instance, 'instance map'), files.instance, opts);
      instance = inst.ids;
      checkSize('instance map', files.instance, inst);
    } catch (e) {
      fail(e, files.instance);
    }
  }
  if (entry.ok && label && rgb) {
    entry.decoded = { width: label.width, height: label.height, label: label.ids, rgb };
    if (instance) entry.decoded.instance = instance;
  }
  return entry;
}

function sizeKey(s: Size): string {
  return `${s.width}x${s.height}`;
}

/** Checks the pairs' sizes against the preprocessing (or, without one, that they agree). */
function checkSizes(root: string, entries: Entry[], opts: ScanOptions, report: DatasetReport): void {
  const groups = new Map<string, { size: Size; entries: Entry[] }>();
  for (const e of entries) {
    if (!e.ok || !e.size) continue;
    const k = sizeKey(e.size);
    if (!groups.has(k)) groups.set(k, { size: e.size, entries: [] });
    groups.get(k)?.entries.push(e);
  }
  const list = [...groups.values()].sort((a, b) => b.entries.length - a.entries.length);
  report.sizes = list.map((g) => ({ ...g.size, pairs: g.entries.length }));
  const described = list.map((g) => `${sizeKey(g.size)} (${g.entries.length} pair${g.entries.length === 1 ? '' : 's'}, e.g. ${path.basename(g.entries[0].files.label)})`).join(', ');
  const pp = opts.preprocess;
  if (!pp) {
    if (list.length > 1) {
      report.problems.push({
        kind: 'mixed_sizes',
        file: path.join(root, 'labels'),
        message: `mixed sizes: ${described}; allowed only with a preprocess_mode that resizes or crops them to one size (resize_and_crop, fixed, scale_width_and_crop, scale_shortside_and_crop, or crop when all are at least the crop)`,
      });
    }
    return;
  }
  let allFit = true;
  for (const g of list) {
    const why = sizeProblem(pp, g.size);
    if (!why) continue;
    allFit = false;
    const more = g.entries.length > 1 ? ` (and ${g.entries.length - 1} more pair${g.entries.length > 2 ? 's' : ''} of this size)` : '';
    report.problems.push({ kind: 'preprocess', file: g.entries[0].files.label, message: `${why}${more}` });
    for (const e of g.entries) e.ok = false;
  }
  if (allFit && list.length > 1) report.notes.push(`mixed sizes ${described}: preprocess_mode '${pp.preprocess_mode}' brings each to ${pp.crop_size} wide`);
}

/** Scans a dataset folder; never throws for problems with the data, only lists them. */
export function scanDataset(root: string, opts: ScanOptions = {}): DatasetReport {
  if (opts.preprocess) checkPreprocess(opts.preprocess);
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const layout = opts.source ? findPairsIn(opts.source, opts.no_instance) : findPairs(root, opts.no_instance);
  const problems = layout.problems;
  // RGB label maps need colours before label_nc is known: the set's, or NVlabs' colormap.
  const palette = filePalette(opts.labelSet ?? genericLabelSet(opts.label_nc ?? 255, true));
  const readOpts: PairReadOptions = { palette, maxPixels };
  const entries: Entry[] = [];
  layout.pairs.forEach((files, i) => {
    entries.push(scanPair(files, readOpts, opts.checkImages !== 'header', problems));
    opts.onProgress?.(i + 1, layout.pairs.length);
  });
  const report: DatasetReport = {
    root,
    pairs: [],
    problems,
    notes: layout.notes,
    label_nc: 0,
    label_nc_inferred: false,
    contain_dontcare_label: false,
    contain_dontcare_inferred: false,
    dontcarePixels: 0,
    totalPixels: 0,
    hasInstances: layout.hasInstances,
    sizes: [],
    idCounts: [],
    labelSet: opts.labelSet ?? genericLabelSet(1, false),
    maxPixels,
  };
  if (layout.foldersOk && layout.pairs.length === 0 && !problems.some((p) => p.kind === 'unpaired')) {
    problems.push({ kind: 'empty_dataset', file: root, message: opts.source ? `no training pairs: ${opts.source.images.dir} and ${opts.source.labels.dir} share no file stems` : 'no training pairs: images/ and labels/ share no file stems' });
  }
  resolveLabels(entries, opts, report);
  checkSizes(root, entries, opts, report);
  const cache = new Map<string, DecodedPair>();
  let cached = 0;
  const budget = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
  for (const e of entries) {
    if (!e.ok || !e.size) continue;
    report.pairs.push({ ...e.files, ...e.size });
    const bytes = pairBytes(e.size, e.files.instance !== undefined);
    if (e.decoded && cached + bytes <= budget) {
      cache.set(e.files.stem, e.decoded);
      cached += bytes;
    }
  }
  scanCache.set(report, cache);
  return report;
}

/** `data/labels/a.png: label ids outside 0..11: 200 (12 px)`, one line per problem, at most `limit`. */
export function formatDatasetProblems(report: DatasetReport, limit = 50): string {
  const n = report.problems.length;
  if (n === 0) return `${report.root}: no problems (${report.pairs.length} pairs)`;
  const lines = [`${report.root}: ${n} problem${n === 1 ? '' : 's'}:`];
  for (const p of report.problems.slice(0, limit)) lines.push(`  ${p.file}: ${p.message}`);
  if (n > limit) lines.push(`  ... and ${n - limit} more`);
  return lines.join('\n');
}

/** One line: pairs, sizes, classes, dontcare, instances. */
export function formatDatasetSummary(r: DatasetReport): string {
  const sizes = r.sizes.map((s) => `${s.width}x${s.height}`).join(', ') || 'none';
  const dc = r.dontcarePixels > 0 ? `${((100 * r.dontcarePixels) / Math.max(1, r.totalPixels)).toFixed(1)}% dontcare pixels` : 'no dontcare pixels';
  return (
    `${r.pairs.length} pairs, sizes ${sizes}, label_nc ${r.label_nc}${r.label_nc_inferred ? ' (inferred)' : ''}, ` +
    `contain_dontcare_label ${r.contain_dontcare_label}${r.contain_dontcare_inferred ? ' (inferred)' : ''} (${dc}), ` +
    `instances ${r.hasInstances ? 'yes' : 'no'}`
  );
}

/** A SpadeInputError summing up a report with problems (the first one, and how many more). */
export function datasetError(report: DatasetReport): SpadeInputError {
  const [first] = report.problems;
  const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more problems)` : '';
  return new SpadeInputError(`${first.message}${more}`, first.file);
}
