/**
 * Model options, named as NVlabs/SPADE names them (`options/base_options.py`), in one place.
 * `spade_hidden` is our one addition: NVlabs hard-codes the SPADE MLP width to 128.
 */
import { SpadeInputError } from './errors';

export type UpsamplingLayers = 'normal' | 'more' | 'most';

export interface SpadeConfig {
  label_nc: number;
  contain_dontcare_label: boolean;
  no_instance: boolean;
  output_nc: number;
  ngf: number;
  ndf: number;
  z_dim: number;
  crop_size: number;
  aspect_ratio: number;
  num_upsampling_layers: UpsamplingLayers;
  use_vae: boolean;
  norm_G: string;
  norm_E: string;
  norm_D: string;
  n_layers_D: number;
  num_D: number;
  netD_subarch: string;
  no_ganFeat_loss: boolean;
  gan_mode: string;
  lambda_feat: number;
  lambda_kld: number;
  spade_hidden: number;
}

/** NVlabs defaults for the SPADE generator (`norm_G` as SPADEGenerator sets it) plus ours. */
export const DEFAULT_CONFIG: Readonly<SpadeConfig> = Object.freeze({
  label_nc: 182,
  contain_dontcare_label: false,
  no_instance: false,
  output_nc: 3,
  ngf: 64,
  ndf: 64,
  z_dim: 256,
  crop_size: 256,
  aspect_ratio: 1.0,
  num_upsampling_layers: 'normal',
  use_vae: false,
  norm_G: 'spectralspadesyncbatch3x3',
  norm_E: 'spectralinstance',
  norm_D: 'spectralinstance',
  n_layers_D: 4,
  num_D: 2,
  netD_subarch: 'n_layer',
  no_ganFeat_loss: false,
  gan_mode: 'hinge',
  lambda_feat: 10.0,
  lambda_kld: 0.05,
  spade_hidden: 128,
});

export type ConfigKey = keyof SpadeConfig;
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

/** Channels of the generator's semantic input: classes, + dontcare, + instance edges. */
export function semanticNc(cfg: SpadeConfig): number {
  return cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0) + (cfg.no_instance ? 0 : 1);
}

export function numUpLayers(cfg: Pick<SpadeConfig, 'num_upsampling_layers'>): number {
  return { normal: 5, more: 6, most: 7 }[cfg.num_upsampling_layers];
}

/** Python 3's round(): half to even, so round(2.5) == 2 (JS Math.round gives 3). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff === 0.5) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

/** The generator's starting grid, as SPADEGenerator.compute_latent_vector_size. */
export function latentSize(cfg: SpadeConfig): { sw: number; sh: number } {
  const sw = Math.floor(cfg.crop_size / 2 ** numUpLayers(cfg));
  return { sw, sh: pyRound(sw / cfg.aspect_ratio) };
}

/** Output (H, W) of the generator: the latent grid times 2^n. */
export function outputSize(cfg: SpadeConfig): { height: number; width: number } {
  const { sw, sh } = latentSize(cfg);
  const s = 2 ** numUpLayers(cfg);
  return { height: sh * s, width: sw * s };
}

/** Parsed `spade(norm)(k)x(k)` string, as NVlabs' SPADE.__init__ parses it. */
export interface SpadeNormSpec {
  spectral: boolean;
  paramFree: 'batch' | 'syncbatch' | 'instance';
  kernel: number;
}

export function parseNormG(normG: string): SpadeNormSpec {
  const spectral = normG.includes('spectral');
  const rest = normG.replace('spectral', '');
  const m = /^spade(\D+)(\d)x\d$/.exec(rest);
  if (!m) throw new SpadeInputError(`norm_G '${normG}' is not of the form [spectral]spade<norm><k>x<k>`);
  const paramFree = m[1];
  if (paramFree !== 'batch' && paramFree !== 'syncbatch' && paramFree !== 'instance') {
    throw new SpadeInputError(`norm_G '${normG}': param-free norm '${paramFree}' is not batch, syncbatch or instance`);
  }
  return { spectral, paramFree, kernel: Number(m[2]) };
}

/** A non-SPADE norm string (`norm_E`, `norm_D`), as get_nonspade_norm_layer reads it. */
export interface PlainNormSpec {
  spectral: boolean;
  sub: 'none' | 'batch' | 'instance';
}

export function parsePlainNorm(norm: string, option: string): PlainNormSpec {
  const spectral = norm.startsWith('spectral');
  const sub = spectral ? norm.slice('spectral'.length) : norm;
  if (sub === '' || sub === 'none') return { spectral, sub: 'none' };
  if (sub === 'instance') return { spectral, sub: 'instance' };
  // sync_batch is numerically plain BatchNorm on one process, with the same state-dict keys.
  if (sub === 'batch' || sub === 'sync_batch' || sub === 'syncbatch') return { spectral, sub: 'batch' };
  throw new SpadeInputError(`${option} '${norm}' is not [spectral](none|batch|sync_batch|instance)`);
}

/** Upper bounds for the integer options (NVlabs' largest published models use a tenth or less). */
const OPTION_MAX = {
  label_nc: 65536, // 16-bit label ids
  output_nc: 64,
  ngf: 8192,
  ndf: 8192,
  z_dim: 65536,
  crop_size: 16384,
  n_layers_D: 16,
  num_D: 16,
  spade_hidden: 8192,
} as const;

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/**
 * Fills in defaults and checks every option, so that a bad opt.txt or flag fails here with
 * a message naming the option, not deep in a tensor op. `source` names the file or flag set.
 */
export function makeConfig(partial: Partial<SpadeConfig>, source = 'config'): SpadeConfig {
  const cfg: SpadeConfig = { ...DEFAULT_CONFIG, ...stripUndefined(partial) };
  const bad = (msg: string): never => {
    throw new SpadeInputError(msg, source);
  };
  for (const k of ['label_nc', 'output_nc', 'ngf', 'ndf', 'z_dim', 'crop_size', 'n_layers_D', 'num_D', 'spade_hidden'] as const) {
    if (!isPosInt(cfg[k])) bad(`${k} must be a positive integer, got ${JSON.stringify(cfg[k])}`);
    // Far above any real model, but a hostile opt.txt could otherwise make the network builders
    // loop for hours (num_D 1e9) before a single shape is compared with the checkpoint.
    if (cfg[k] > OPTION_MAX[k]) bad(`${k} ${cfg[k]} is larger than the ${OPTION_MAX[k]} this reader accepts`);
  }
  for (const k of ['contain_dontcare_label', 'no_instance', 'use_vae', 'no_ganFeat_loss'] as const) {
    if (typeof cfg[k] !== 'boolean') bad(`${k} must be true or false, got ${JSON.stringify(cfg[k])}`);
  }
  if (!(typeof cfg.aspect_ratio === 'number' && cfg.aspect_ratio > 0 && Number.isFinite(cfg.aspect_ratio))) {
    bad(`aspect_ratio must be a positive number, got ${JSON.stringify(cfg.aspect_ratio)}`);
  }
  if (!['normal', 'more', 'most'].includes(cfg.num_upsampling_layers)) {
    bad(`num_upsampling_layers must be normal, more or most, got ${JSON.stringify(cfg.num_upsampling_layers)}`);
  }
  if (cfg.netD_subarch !== 'n_layer') bad(`netD_subarch '${cfg.netD_subarch}' is not supported (only n_layer)`);
  if (!['hinge', 'ls', 'original', 'w'].includes(cfg.gan_mode)) bad(`gan_mode '${cfg.gan_mode}' is not hinge, ls, original or w`);
  for (const k of ['lambda_feat', 'lambda_kld'] as const) {
    if (!(typeof cfg[k] === 'number' && Number.isFinite(cfg[k]) && cfg[k] >= 0)) bad(`${k} must be a number ≥ 0`);
  }
  try {
    parseNormG(cfg.norm_G);
    parsePlainNorm(cfg.norm_E, 'norm_E');
    parsePlainNorm(cfg.norm_D, 'norm_D');
  } catch (e) {
    bad((e as Error).message);
  }
  const { sw, sh } = latentSize(cfg);
  if (sw < 1 || sh < 1) {
    bad(
      `crop_size ${cfg.crop_size} with num_upsampling_layers '${cfg.num_upsampling_layers}' and aspect_ratio ${cfg.aspect_ratio} ` +
        `gives a ${sh}x${sw} latent grid; crop_size must be at least ${2 ** numUpLayers(cfg)} (x aspect_ratio/2)`,
    );
  }
  if (cfg.num_upsampling_layers === 'most' && cfg.ngf < 2) bad(`num_upsampling_layers 'most' needs ngf ≥ 2 (up_4 has ngf/2 channels)`);
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
