/** Shared by the CLI commands: options from opt.txt and flags, checkpoints, label maps. */
import * as path from 'node:path';
import { CONFIG_KEYS, DEFAULT_CONFIG, makeConfig, type ConfigKey, type SpadeConfig } from '../model/config';
import { coerce, parseOptTxt } from '../model/opt_txt';
import { SpadeInputError } from '../model/errors';
import { readCheckpoint, type SpadeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { SpadeModel } from '../model/model';
import { decodeInstanceMap, decodeLabelMap } from '../model/io/label_png';
import { DEFAULT_MAX_PIXELS } from '../model/io/png_scan';
import { formatIdCounts } from '../model/io/id_counts';
import { filePalette, mapIdsToModel } from '../model/io/label_sets';
import type { LabelBatch } from '../model/preprocess';
import { readInput, readText } from './files';
import { isRunFolder, readRunFolder, runFolderOptTxt } from './nvlabs_run_folder';

/** parseArgs option table for every model option (`--ngf 64`, `--use_vae`, ...). */
export function configFlagSpecs(): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k, { type: typeof DEFAULT_CONFIG[k] === 'boolean' ? 'boolean' : 'string' }]));
}

/**
 * opt.txt (if given) overridden by any option flags; undefined when neither is given.
 * Without --opt, an NVlabs run folder given as `checkpoint` lends its own opt.txt.
 */
export function configFrom(values: Record<string, unknown>, checkpoint?: string): SpadeConfig | undefined {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const k of CONFIG_KEYS) {
    const v = values[k];
    if (v === undefined) continue;
    flags[k] = typeof v === 'string' ? coerce(k, v, `--${k}`) : v;
  }
  const optFile = (values.opt as string | undefined) ?? (checkpoint ? runFolderOptTxt(checkpoint) : undefined);
  if (!optFile && Object.keys(flags).length === 0) return undefined;
  const base = optFile ? parseOptTxt(readText(optFile, 'opt.txt'), optFile) : {};
  return makeConfig({ ...base, ...(flags as Partial<SpadeConfig>) }, optFile ?? 'option flags');
}

export function loadCheckpointFile(file: string, config: SpadeConfig | undefined): SpadeCheckpoint {
  if (isRunFolder(file)) return readRunFolder(file, config);
  const ext = path.extname(file).toLowerCase();
  if (!['.safetensors', '.pth', '.pt'].includes(ext)) throw new SpadeInputError('checkpoint must be a .safetensors or .pth file, or an NVlabs run folder', file);
  return readCheckpoint(readInput(file, 'checkpoint'), file, { config });
}

export function loadModel(file: string, config: SpadeConfig | undefined): SpadeModel {
  return SpadeModel.fromCheckpoint(loadCheckpointFile(file, config), file);
}

/** `--max_pixels N`: the largest image (width × height) read, checked on the header before decoding. */
export function maxPixelsFrom(values: Record<string, unknown>): number {
  const v = values.max_pixels;
  if (v === undefined) return DEFAULT_MAX_PIXELS;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new SpadeInputError(`--max_pixels must be a positive integer, got '${String(v)}'`);
  }
  return n;
}

/**
 * A label PNG (and instance PNG) as the generator's input ids. Ids are mapped through the
 * model's label set (dontcare -> label_nc); ids that fit no channel are listed with counts.
 */
export function readLabels(
  model: SpadeModel,
  labelFile: string,
  instanceFile?: string,
  maxPixels = DEFAULT_MAX_PIXELS,
): LabelBatch {
  const { config: cfg, labelSet } = model;
  const map = decodeLabelMap(readInput(labelFile, 'label map'), labelFile, { palette: filePalette(labelSet), maxPixels });
  const mapped = mapIdsToModel(map.ids, labelSet, cfg.label_nc, cfg.contain_dontcare_label);
  if (mapped.invalid.length) {
    const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
    throw new SpadeInputError(`label ids outside the model's ${nc} classes: ${formatIdCounts(mapped.invalid)}`, labelFile);
  }
  const batch: LabelBatch = { ids: mapped.ids, n: 1, h: map.height, w: map.width };
  if (!cfg.no_instance) {
    if (!instanceFile)
      throw new SpadeInputError('this model uses instance maps (no_instance is false): add --instance <png>', labelFile);
    const inst = decodeInstanceMap(readInput(instanceFile, 'instance map'), instanceFile, { maxPixels });
    if (inst.width !== map.width || inst.height !== map.height) {
      throw new SpadeInputError(
        `instance map is ${inst.width}x${inst.height} but the label map is ${map.width}x${map.height}`,
        instanceFile,
      );
    }
    batch.instances = inst.ids;
  }
  return batch;
}
