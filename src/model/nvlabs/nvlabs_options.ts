/**
 * NVlabs/SPADE's training options for a run we export: the values, the opt.txt NVlabs writes
 * (`base_options.save_options`: `{:>25}: {:<30}` and `[default: …]` where a value differs),
 * and the `train.py` flags that reproduce them. NVlabs' train.py reads its options from flags
 * (or opt.pkl), never from opt.txt, so the flags are what actually carries them over.
 *
 * The defaults are argparse's for `train.py --dataset_mode custom` (the setter of that mode
 * changes a few), as NVlabs/SPADE's options/*.py declare them.
 */
import type { SpadeConfig } from '../config';
import type { TrainOptions } from '../train/options';

type OptionValue = string | number | boolean | null;

interface OptionDef {
  default: OptionValue;
  /** Python float (printed with a decimal point). */
  float?: boolean;
  /** Written to opt.txt only, never a flag (set by the script itself, or a flag we must not repeat). */
  noFlag?: boolean;
}

const PY_INT_MAX = '9223372036854775807';

const NVLABS_TRAIN_OPTIONS: Readonly<Record<string, OptionDef>> = {
  D_steps_per_G: { default: 1 },
  aspect_ratio: { default: 1, float: true },
  batchSize: { default: 1 },
  beta1: { default: 0, float: true },
  beta2: { default: 0.9, float: true },
  cache_filelist_read: { default: false },
  cache_filelist_write: { default: false },
  checkpoints_dir: { default: './checkpoints' },
  contain_dontcare_label: { default: false },
  continue_train: { default: false },
  crop_size: { default: 256 },
  dataroot: { default: './datasets/cityscapes/' },
  dataset_mode: { default: 'coco' },
  debug: { default: false },
  display_freq: { default: 100 },
  display_winsize: { default: 256 },
  gan_mode: { default: 'hinge' },
  gpu_ids: { default: '0' },
  image_dir: { default: null },
  init_type: { default: 'xavier' },
  init_variance: { default: 0.02, float: true },
  instance_dir: { default: '' },
  isTrain: { default: true, noFlag: true },
  label_dir: { default: null },
  label_nc: { default: 13 },
  lambda_feat: { default: 10, float: true },
  lambda_kld: { default: 0.05, float: true },
  lambda_vgg: { default: 10, float: true },
  load_from_opt_file: { default: false },
  load_size: { default: 286 },
  lr: { default: 0.0002, float: true },
  max_dataset_size: { default: PY_INT_MAX },
  model: { default: 'pix2pix' },
  nThreads: { default: 0 },
  n_layers_D: { default: 4 },
  name: { default: 'label2coco' },
  ndf: { default: 64 },
  nef: { default: 16 },
  netD: { default: 'multiscale' },
  netD_subarch: { default: 'n_layer' },
  netG: { default: 'spade' },
  ngf: { default: 64 },
  niter: { default: 50 },
  niter_decay: { default: 0 },
  no_TTUR: { default: false },
  no_flip: { default: false },
  no_ganFeat_loss: { default: false },
  no_html: { default: false },
  no_instance: { default: false },
  no_pairing_check: { default: false },
  no_vgg_loss: { default: false },
  norm_D: { default: 'spectralinstance' },
  norm_E: { default: 'spectralinstance' },
  norm_G: { default: 'spectralspadesyncbatch3x3' },
  num_D: { default: 2 },
  num_upsampling_layers: { default: 'normal' },
  optimizer: { default: 'adam' },
  output_nc: { default: 3 },
  phase: { default: 'train' },
  preprocess_mode: { default: 'resize_and_crop' },
  print_freq: { default: 100 },
  save_epoch_freq: { default: 10 },
  save_latest_freq: { default: 5000 },
  serial_batches: { default: false },
  tf_log: { default: false },
  use_vae: { default: false },
  which_epoch: { default: 'latest' },
  z_dim: { default: 256 },
};

/** How our run trained, where known (a checkpoint from `spade train` records it). */
export interface ExportTraining extends Pick<TrainOptions, 'lr' | 'beta1' | 'beta2' | 'no_TTUR'> {
  batch: number;
  /** NVlabs epochs (already converted from our steps). */
  niter: number;
  niter_decay: number;
  preprocess_mode: string;
  load_size: number;
  no_flip: boolean;
  /** NVlabs' options for the data it trained on: dataset_mode, and dataroot or label_dir/image_dir/instance_dir. */
  dataset: Record<string, string>;
}

export type NvlabsOptionValues = Record<string, OptionValue>;

/** Every NVlabs train option for this model: ours where we have one, NVlabs' default otherwise. */
export function nvlabsOptionValues(cfg: SpadeConfig, name: string, training?: ExportTraining): NvlabsOptionValues {
  const v: NvlabsOptionValues = Object.fromEntries(Object.entries(NVLABS_TRAIN_OPTIONS).map(([k, d]) => [k, d.default]));
  for (const k of [
    'label_nc', 'contain_dontcare_label', 'no_instance', 'output_nc', 'ngf', 'ndf', 'z_dim', 'crop_size', 'aspect_ratio',
    'num_upsampling_layers', 'use_vae', 'norm_G', 'norm_E', 'norm_D', 'n_layers_D', 'num_D', 'netD_subarch',
    'no_ganFeat_loss', 'gan_mode', 'lambda_feat', 'lambda_kld',
  ] as const) v[k] = cfg[k];
  v.name = name;
  v.dataset_mode = 'custom';
  // NVlabs' custom mode loads at crop_size unless told otherwise; a square crop is what we train.
  v.load_size = cfg.crop_size;
  // We train without the VGG loss (its weights are not ours to ship); keep the loss the same.
  v.no_vgg_loss = true;
  v.continue_train = true;
  if (training) {
    v.batchSize = training.batch;
    v.lr = training.lr;
    v.beta1 = training.beta1;
    v.beta2 = training.beta2;
    v.no_TTUR = training.no_TTUR;
    v.niter = training.niter;
    v.niter_decay = training.niter_decay;
    v.preprocess_mode = training.preprocess_mode;
    v.load_size = training.load_size;
    v.no_flip = training.no_flip;
    for (const [k, value] of Object.entries(training.dataset)) {
      if (Object.hasOwn(NVLABS_TRAIN_OPTIONS, k) && typeof value === 'string') v[k] = value;
    }
  }
  return v;
}

/** opt.txt, byte for byte in the form NVlabs' save_options writes it. */
export function formatOptTxt(values: NvlabsOptionValues): string {
  let out = '';
  for (const k of Object.keys(values).sort()) {
    const def = NVLABS_TRAIN_OPTIONS[k];
    const value = pyStr(values[k], def?.float);
    const comment = def && value !== pyStr(def.default, def.float) ? `\t[default: ${pyStr(def.default, def.float)}]` : '';
    out += `${k.padStart(25)}: ${value.padEnd(30)}${comment}\n`;
  }
  return out;
}

/**
 * `train.py` flags for every option that differs from NVlabs' default, plus those the caller
 * overrides (e.g. gpu_ids and batchSize for the cluster). Values are shell-quoted.
 */
export function trainFlags(values: NvlabsOptionValues, overrides: NvlabsOptionValues = {}): string[] {
  const all = { ...values, ...overrides };
  const flags: string[] = [];
  for (const k of Object.keys(all).sort()) {
    const def = NVLABS_TRAIN_OPTIONS[k];
    if (def?.noFlag) continue;
    const value = all[k];
    const differs = !def || pyStr(value, def.float) !== pyStr(def.default, def.float) || k in overrides;
    if (!differs || value === null) continue;
    if (typeof value === 'boolean') {
      if (value) flags.push(`--${k}`);
      continue;
    }
    flags.push(`--${k}`, shellQuote(pyStr(value, def?.float)));
  }
  return flags;
}

/** Python's str() of an option value. */
function pyStr(v: OptionValue, float?: boolean): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return float ? pyFloat(v) : String(v);
  return v;
}

/** repr of a Python float: always a decimal point or an exponent, exponents of two digits. */
function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  // Python writes an exponent below 1e-4 (JS only below 1e-6).
  const s = x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential() : String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:,=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
