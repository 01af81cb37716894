/**
 * Our checkpoint: one safetensors file. Tensors are in PyTorch layout, named `G.<key>`,
 * `E.<key>`, `D.<key>` (training state adds `optim.*` and `step`). `__metadata__` holds
 * `format: spade-studio/1`, the config JSON and the label set JSON.
 *
 * Also reads official NVlabs `.pth` files (zip or legacy), which carry no options: those
 * come from the opt.txt NVlabs writes beside them, or from flags.
 */
import { makeConfig, type SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import type { LabelSet } from '../io/label_sets';
import { labelSetFor } from '../io/label_sets';
import type { HostTensor, NamedTensors } from './host_tensor';
import { readPth } from './pth';
import { isSafetensors, readSafetensors, writeSafetensors, type StorageDtype } from './safetensors';

export const FORMAT = 'spade-studio/1';
/** A kept training state (train_state_file.ts): safetensors too, but not a model. */
export const TRAIN_STATE_FORMAT = 'spade-studio-train-state/1';
export type NetName = 'G' | 'E' | 'D';
const NETS: NetName[] = ['G', 'E', 'D'];

export interface SpadeCheckpoint {
  config: SpadeConfig;
  labelSet: LabelSet;
  nets: { G: NamedTensors; E?: NamedTensors; D?: NamedTensors };
  /** Anything else in the file (optimizer state, step), kept for training. */
  extra: NamedTensors;
  /** Free-form metadata beyond format/config/label_set (training info, provenance). */
  info: Record<string, string>;
}

export interface ConfigSource {
  /** An NVlabs opt.txt, already parsed. */
  config?: SpadeConfig;
}

/** Reads a `.safetensors` (ours, or a bare state dict with options given) or a `.pth` generator. */
export function readCheckpoint(bytes: Uint8Array, fileName: string, src: ConfigSource = {}): SpadeCheckpoint {
  if (bytes.length === 0) throw new SpadeInputError('checkpoint file is empty', fileName);
  // A `.safetensors` name is trusted too: a broken header must be reported as such, not as a `.pth`.
  if (isSafetensors(bytes) || /\.safetensors$/i.test(fileName)) {
    const { tensors, metadata } = readSafetensors(bytes, fileName);
    if (metadata.format === FORMAT) return fromOurMetadata(tensors, metadata, fileName, src);
    if (metadata.format === TRAIN_STATE_FORMAT)
      throw new SpadeInputError('is a kept training state, not a model: give it to spade train --state, beside the weights it was kept with', fileName);
    const config = requireConfig(src, fileName, 'safetensors file without spade-studio metadata');
    const prefixed = [...tensors.keys()].some((k) => k.startsWith('G.'));
    return prefixed
      ? {
          ...splitNets(tensors, fileName),
          config,
          labelSet: labelSetFor(config.label_nc, config.contain_dontcare_label),
          info: {},
        }
      : fromPthTensors(tensors, config, fileName);
  }
  const config = requireConfig(src, fileName, '.pth checkpoint carries no model options');
  return fromPthTensors(readPth(bytes, fileName), config, fileName);
}

/** Adds an encoder or discriminator `.pth` (E.pth / D.pth from the same NVlabs run). */
export function attachPth(ck: SpadeCheckpoint, net: 'E' | 'D', bytes: Uint8Array, fileName: string): void {
  ck.nets[net] = normalizeSpectralKeys(readPth(bytes, fileName), fileName);
}

function requireConfig(src: ConfigSource, fileName: string, why: string): SpadeConfig {
  if (!src.config) throw new SpadeInputError(`${why}: give the options with --opt opt.txt (NVlabs writes it beside the checkpoint)`, fileName);
  return src.config;
}

function fromPthTensors(tensors: NamedTensors, config: SpadeConfig, fileName: string): SpadeCheckpoint {
  return {
    config,
    labelSet: labelSetFor(config.label_nc, config.contain_dontcare_label),
    nets: { G: normalizeSpectralKeys(tensors, fileName) },
    extra: new Map(),
    info: {},
  };
}

function fromOurMetadata(
  tensors: NamedTensors,
  meta: Record<string, string>,
  fileName: string,
  src: ConfigSource,
): SpadeCheckpoint {
  let config: SpadeConfig;
  let labelSet: LabelSet;
  try {
    config = src.config ?? makeConfig(JSON.parse(meta.config ?? 'null') as Partial<SpadeConfig>, `${fileName} (metadata.config)`);
  } catch (e) {
    if (e instanceof SpadeInputError) throw e;
    throw new SpadeInputError('metadata.config is not valid JSON', fileName);
  }
  try {
    labelSet = meta.label_set
      ? parseLabelSet(JSON.parse(meta.label_set), config)
      : labelSetFor(config.label_nc, config.contain_dontcare_label);
  } catch (e) {
    throw new SpadeInputError(`metadata.label_set is invalid: ${(e as Error).message}`, fileName);
  }
  const info = Object.fromEntries(Object.entries(meta).filter(([k]) => !['format', 'config', 'label_set'].includes(k)));
  return { ...splitNets(tensors, fileName), config, labelSet, info };
}

function splitNets(tensors: NamedTensors, fileName: string): Pick<SpadeCheckpoint, 'nets' | 'extra'> {
  const nets: Partial<Record<NetName, NamedTensors>> = {};
  const extra: NamedTensors = new Map();
  for (const [k, v] of tensors) {
    const net = NETS.find((n) => k.startsWith(`${n}.`));
    if (!net) {
      extra.set(k, v);
      continue;
    }
    if (k.endsWith('.weight_effective')) continue; // derived (weight_orig / sigma), written by reference tools
    (nets[net] ??= new Map()).set(k.slice(2), v);
  }
  if (!nets.G) throw new SpadeInputError('checkpoint has no generator tensors (G.*)', fileName);
  for (const n of NETS) if (nets[n]) nets[n] = normalizeSpectralKeys(nets[n]!, fileName);
  return { nets: nets as SpadeCheckpoint['nets'], extra };
}

export function parseLabelSet(v: unknown, cfg: SpadeConfig): LabelSet {
  const o = v as Partial<LabelSet>;
  if (typeof o !== 'object' || o === null) throw new Error('not an object');
  if (typeof o.name !== 'string') throw new Error('name is not a string');
  if (!Array.isArray(o.names) || !o.names.every((n) => typeof n === 'string')) throw new Error('names is not a list of strings');
  if (o.names.length !== cfg.label_nc) throw new Error(`${o.names.length} names for label_nc ${cfg.label_nc}`);
  const isRgb = (c: unknown) => Array.isArray(c) && c.length === 3 && c.every((x) => Number.isInteger(x) && x >= 0 && x <= 255);
  if (!Array.isArray(o.colors) || o.colors.length !== o.names.length || !o.colors.every(isRgb)) throw new Error('colors must be one [r,g,b] per name');
  if (o.dontcareId !== null && !(Number.isInteger(o.dontcareId) && (o.dontcareId as number) >= 0)) throw new Error('dontcareId must be null or an id');
  return o as LabelSet;
}

/**
 * Spectral-norm keys as PyTorch ≥ 1.1 writes them. Older state dicts (PyTorch 1.0) have no
 * `weight_v` and may keep the normalised `weight`. Eval only needs sigma = u·(W v), and a
 * train forward recomputes v from u before using it, so v = c·normalize(Wᵀu) is exact for
 * both: c scales sigma to the stored `weight`'s (weight_orig / weight) when there is one,
 * else c = 1 (the sigma of one power-iteration step, as PyTorch's first forward would use).
 */
export function normalizeSpectralKeys(tensors: NamedTensors, fileName: string): NamedTensors {
  const out: NamedTensors = new Map(tensors);
  for (const key of tensors.keys()) {
    if (!key.endsWith('.weight_orig')) continue;
    const base = key.slice(0, -'_orig'.length);
    const w = tensors.get(key)!;
    const u = tensors.get(`${base}_u`);
    if (!u) throw new SpadeInputError(`spectral-norm weight ${key} has no ${base}_u`, fileName);
    const stale = tensors.get(base);
    out.delete(base);
    if (tensors.has(`${base}_v`)) continue;
    out.set(`${base}_v`, solveV(w, u, stale));
  }
  return out;
}

function solveV(w: HostTensor, u: HostTensor, weight?: HostTensor): HostTensor {
  const rows = w.shape[0];
  const cols = w.data.length / rows;
  const v = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) v[c] += w.data[r * cols + c] * u.data[r];
  const norm = Math.max(Math.hypot(...v), 1e-12);
  for (let c = 0; c < cols; c++) v[c] /= norm;
  let scale = 1;
  if (weight && weight.data.length === w.data.length) {
    let sigmaNow = 0;
    for (let r = 0; r < rows; r++) {
      let wv = 0;
      for (let c = 0; c < cols; c++) wv += w.data[r * cols + c] * v[c];
      sigmaNow += u.data[r] * wv;
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < w.data.length; i++) {
      num += w.data[i] * weight.data[i];
      den += weight.data[i] * weight.data[i];
    }
    const target = den > 0 ? num / den : sigmaNow; // least-squares sigma with weight_orig ≈ sigma·weight
    if (sigmaNow !== 0) scale = target / sigmaNow;
  }
  return { shape: [cols], data: Float32Array.from(v, (x) => x * scale), sourceDtype: 'F32' };
}

export interface WriteOptions {
  /** F16 halves the size; buffers (running stats, u, v, counters) and optimizer state stay F32. */
  dtype?: StorageDtype;
}

export function writeCheckpoint(ck: SpadeCheckpoint, opts: WriteOptions = {}): Uint8Array {
  const all: NamedTensors = new Map();
  for (const n of NETS) for (const [k, v] of ck.nets[n] ?? []) all.set(`${n}.${k}`, v);
  for (const [k, v] of ck.extra) all.set(k, v);
  const meta: Record<string, string> = {
    ...ck.info,
    format: FORMAT,
    config: JSON.stringify(ck.config),
    label_set: JSON.stringify(ck.labelSet),
  };
  const half = opts.dtype === 'F16';
  return writeSafetensors(all, meta, (name) => (half && isNetWeight(name) ? 'F16' : 'F32'));
}

/** A net's weight or bias (`G.…weight`, `D.…weight_orig`, `E.…bias`): what float16 storage halves; buffers stay float32. */
export function isNetWeight(name: string): boolean {
  return /^[GED]\.(?:.*\.)?(?:weight|weight_orig|bias)$/.test(name);
}
