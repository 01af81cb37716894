/**
 * `*.spade-style.json`: named style codes (the encoder's mu and logvar for an image) and the
 * identity of the checkpoint that made them. Codes only mean something to the encoder/generator
 * pair that produced them, so a file records z_dim (a hard requirement) and the label set and a
 * hash of the network options (a mismatch is worth a warning, not a refusal: two checkpoints of
 * the same shape load each other's codes fine, they just paint differently).
 * Pure: parse, validate and serialize text; the callers do the file I/O.
 */
import type { SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import type { LabelSet } from './label_sets';

export const STYLE_FORMAT = 'spade-style/1';
const MAX_STYLES = 10_000;
const MAX_Z = 1 << 16;
const MAX_TEXT = 4096;

/**
 * Largest `.spade-style.json` anyone reads (16 MiB), checked on the file's size before it is
 * read or parsed. Our writer spends at most 16 bytes a number (`-1.23456789e-10,`), so one style
 * at NVlabs' z_dim 256 is under 8.5 KB (mu and logvar, 512 numbers, plus its name and source):
 * the cap holds about 2000 such styles, or 500 at z_dim 1024. A hand-written file with 17-digit
 * doubles and generous indentation still fits 1000 styles at z_dim 256.
 */
export const MAX_STYLE_FILE_BYTES = 16 * 1024 * 1024;

/** Refuses a style file of `bytes` bytes over MAX_STYLE_FILE_BYTES; callers stat before they read. */
export function checkStyleFileSize(bytes: number, file: string): void {
  if (bytes > MAX_STYLE_FILE_BYTES) {
    const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
    throw new SpadeInputError(`style file is ${mib(bytes)}, more than the ${mib(MAX_STYLE_FILE_BYTES)} a style set may be (about 2000 styles at z_dim 256); not read`, file);
  }
}

export interface StyleCode {
  name: string;
  /** Where the code came from: an image path relative to the style file, or a note. */
  source: string;
  mu: number[];
  logvar: number[];
}

export interface CheckpointIdentity {
  /** File name of the checkpoint (informational). */
  name: string;
  label_set: string;
  label_nc: number;
  /** FNV-1a hash of the options that shape G and E (see `configHash`). */
  config_hash: string;
}

export interface StyleFile {
  format: typeof STYLE_FORMAT;
  z_dim: number;
  checkpoint: CheckpointIdentity;
  styles: StyleCode[];
}

/** The options that decide the shapes and behaviour of G and E (not D, not the losses). */
const NETWORK_KEYS: (keyof SpadeConfig)[] = [
  'label_nc', 'contain_dontcare_label', 'no_instance', 'output_nc', 'ngf', 'z_dim', 'crop_size', 'aspect_ratio',
  'num_upsampling_layers', 'use_vae', 'norm_G', 'norm_E', 'spade_hidden',
];

/** FNV-1a (32-bit) of the network options as canonical JSON, forwards and backwards: 16 hex digits. */
export function configHash(cfg: SpadeConfig): string {
  const text = JSON.stringify(NETWORK_KEYS.map((k) => [k, cfg[k]]));
  const fnv = (order: number[]) => {
    let h = 0x811c9dc5;
    for (const i of order) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  };
  const idx = Array.from(text, (_, i) => i);
  return fnv(idx) + fnv(idx.reverse());
}

export function checkpointIdentity(cfg: SpadeConfig, labelSet: LabelSet, name: string): CheckpointIdentity {
  return { name, label_set: labelSet.name, label_nc: cfg.label_nc, config_hash: configHash(cfg) };
}

export function newStyleFile(cfg: SpadeConfig, labelSet: LabelSet, checkpointName: string, styles: StyleCode[] = []): StyleFile {
  return { format: STYLE_FORMAT, z_dim: cfg.z_dim, checkpoint: checkpointIdentity(cfg, labelSet, checkpointName), styles };
}

/**
 * float32 -> the shortest decimal that reads back to the same float32 (9 significant digits
 * always suffice), so a file round-trips a Float32Array exactly without 17-digit noise.
 */
function f32(v: number): number {
  const x = Math.fround(v);
  for (let p = 6; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

export function styleCode(name: string, source: string, mu: ArrayLike<number>, logvar: ArrayLike<number>): StyleCode {
  return { name, source, mu: Array.from(mu, f32), logvar: Array.from(logvar, f32) };
}

export function serializeStyleFile(f: StyleFile): string {
  // One style per block, each vector on one line: diffable and still readable.
  const styles = f.styles.map(
    (s) =>
      `    {\n      "name": ${JSON.stringify(s.name)},\n      "source": ${JSON.stringify(s.source)},\n` +
      `      "mu": ${JSON.stringify(s.mu.map(f32))},\n      "logvar": ${JSON.stringify(s.logvar.map(f32))}\n    }`,
  );
  return (
    `{\n  "format": ${JSON.stringify(f.format)},\n  "z_dim": ${f.z_dim},\n  "checkpoint": ${JSON.stringify(f.checkpoint)},\n` +
    `  "styles": [${styles.length ? `\n${styles.join(',\n')}\n  ` : ''}]\n}\n`
  );
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A short one-line picture of a JSON value for an error message. Not JSON.stringify: that
 * recurses (a value nested 100k deep overflows the stack) and can return megabytes.
 */
function show(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isObj(v)) return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/** Text from the file or the JSON parser, made safe for a one-line message. */
const oneLine = (s: string, max = 120): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
};

/** Parses and validates; every error names the file and the field (`styles[2].mu[7]`). */
export function parseStyleFile(text: string, file: string): StyleFile {
  // Callers that read files check the size first; text from elsewhere (the webview) is checked
  // here, before JSON.parse builds it into objects. A UTF-16 unit is at least one UTF-8 byte.
  checkStyleFileSize(text.length, file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error, newlines included: keep the message on one line.
    throw new SpadeInputError(`not valid JSON (${oneLine((e as Error).message)})`, file);
  }
  const fail = (field: string, problem: string): never => {
    throw new SpadeInputError(`${field}: ${problem}`, file);
  };
  if (!isObj(raw)) return fail('(top level)', 'expected an object');
  if (raw.format !== STYLE_FORMAT) fail('format', `expected "${STYLE_FORMAT}", got ${show(raw.format)}`);
  const zDim = raw.z_dim;
  if (typeof zDim !== 'number' || !Number.isInteger(zDim) || zDim < 1 || zDim > MAX_Z) fail('z_dim', `expected a positive integer, got ${show(zDim)}`);
  const z = zDim as number;
  const ck = raw.checkpoint;
  if (!isObj(ck)) return fail('checkpoint', 'expected an object {name, label_set, label_nc, config_hash}');
  for (const k of ['name', 'label_set', 'config_hash'] as const) {
    if (typeof ck[k] !== 'string' || (ck[k] as string).length > MAX_TEXT) fail(`checkpoint.${k}`, 'expected a string');
  }
  if (typeof ck.label_nc !== 'number' || !Number.isInteger(ck.label_nc) || ck.label_nc < 1) fail('checkpoint.label_nc', 'expected a positive integer');
  if (!Array.isArray(raw.styles)) return fail('styles', 'expected an array');
  if (raw.styles.length > MAX_STYLES) fail('styles', `${raw.styles.length} entries, more than the ${MAX_STYLES} allowed`);
  const names = new Set<string>();
  const styles = raw.styles.map((s: unknown, i: number): StyleCode => {
    const at = `styles[${i}]`;
    if (!isObj(s)) return fail(at, 'expected an object {name, source, mu, logvar}');
    if (typeof s.name !== 'string' || s.name.trim() === '' || s.name.length > MAX_TEXT) fail(`${at}.name`, 'expected a non-empty string');
    if (names.has(s.name as string)) fail(`${at}.name`, `duplicate name ${show(s.name)}`);
    names.add(s.name as string);
    if (typeof s.source !== 'string' || s.source.length > MAX_TEXT) fail(`${at}.source`, 'expected a string');
    const vec = (key: 'mu' | 'logvar'): number[] => {
      const v = s[key];
      if (!Array.isArray(v) || v.length !== z) fail(`${at}.${key}`, `expected ${z} numbers (z_dim), got ${Array.isArray(v) ? v.length : typeof v}`);
      const a = v as unknown[];
      for (let j = 0; j < a.length; j++) {
        if (typeof a[j] !== 'number' || !Number.isFinite(a[j])) fail(`${at}.${key}[${j}]`, `expected a finite number, got ${show(a[j])}`);
      }
      return a as number[];
    };
    return { name: s.name as string, source: s.source as string, mu: vec('mu'), logvar: vec('logvar') };
  });
  const checkpoint: CheckpointIdentity = {
    name: ck.name as string,
    label_set: ck.label_set as string,
    label_nc: ck.label_nc as number,
    config_hash: ck.config_hash as string,
  };
  return { format: STYLE_FORMAT, z_dim: z, checkpoint, styles };
}

/**
 * Can these codes drive this model? Throws when z_dim differs (the generator cannot take them);
 * returns a warning when the file was made by a checkpoint of another shape or label set.
 */
export function checkStyleFileFits(f: StyleFile, cfg: SpadeConfig, labelSet: LabelSet, file: string): string | null {
  if (!cfg.use_vae) throw new SpadeInputError('style codes need a model trained with use_vae; this one has no style input', file);
  if (f.z_dim !== cfg.z_dim) throw new SpadeInputError(`z_dim: the codes have ${f.z_dim} values but the model needs ${cfg.z_dim}`, file);
  const mine = checkpointIdentity(cfg, labelSet, '');
  if (f.checkpoint.config_hash !== mine.config_hash || f.checkpoint.label_set !== mine.label_set) {
    // The identity is the file's own text: one line, and short, whatever it holds.
    const ck = f.checkpoint;
    return `${file}: made by ${oneLine(ck.name, 80) || 'another checkpoint'} (label set ${oneLine(ck.label_set, 40)}, options ${oneLine(ck.config_hash, 40)}); this model is ${mine.label_set}, ${mine.config_hash}: the codes may paint differently`;
  }
  return null;
}

/** The style called `name`, or the only one when no name is given. */
export function findStyle(f: StyleFile, name: string | undefined, file: string): StyleCode {
  if (f.styles.length === 0) throw new SpadeInputError('styles: the file holds no style codes', file);
  if (name === undefined) {
    if (f.styles.length === 1) return f.styles[0];
    throw new SpadeInputError(`holds ${f.styles.length} styles: pick one with --style_name (${listNames(f)})`, file);
  }
  const s = f.styles.find((x) => x.name === name);
  if (!s) throw new SpadeInputError(`no style named ${show(name)} (styles: ${listNames(f)})`, file);
  return s;
}

function listNames(f: StyleFile): string {
  const names = f.styles.slice(0, 10).map((s) => show(s.name));
  return names.join(', ') + (f.styles.length > 10 ? `, … ${f.styles.length - 10} more` : '');
}
