/**
 * spade export: any checkpoint -> an NVlabs run folder (latest_net_{G,D,E}.pth, opt.txt,
 * iter.txt) that NVlabs/SPADE's own `train.py --continue_train` resumes from, e.g. on a
 * multi-GPU machine. Missing D (or E for a VAE model) are written freshly initialised.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpadeInputError } from '../../model/errors';
import { SpadeModel } from '../../model/model';
import type { SpadeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { checkNvlabsCanLoad, NVLABS_SPADE_HIDDEN } from '../../model/nvlabs/export_limits';
import { iterationFromInfo, iterationFromLoader, type NvlabsIteration } from '../../model/nvlabs/iter_txt';
import { nvlabsOptionValues, trainFlags, type ExportTraining } from '../../model/nvlabs/nvlabs_options';
import { RUN_FOLDER_FILES, runFolderFiles } from '../../model/nvlabs/run_folder';
import { torchStateDictOrder } from '../../model/nvlabs/state_dict_order';
import { configFrom, loadCheckpointFile } from '../load';
import { writeFileAtomic } from '../files';
import type { CommandContext } from '../command_context';

export async function exportCommand(ctx: CommandContext): Promise<void> {
  const input = ctx.positional(0, 'the checkpoint to export');
  const outDir = path.resolve(ctx.required('out'));
  const ck = loadCheckpointFile(input, configFrom(ctx.values, input));
  checkNvlabsCanLoad(ck.config, input);
  if (fs.existsSync(path.join(outDir, RUN_FOLDER_FILES.G)) && ctx.values.force !== true) {
    throw new SpadeInputError(`already holds ${RUN_FOLDER_FILES.G}: pass --force to replace the run folder's files`, outDir);
  }
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new SpadeInputError('output must be a folder', outDir);

  const fresh = await addFreshNets(ck, input, seedFrom(ctx.values.seed));
  if (fresh.length) {
    process.stderr.write(`spade: note: ${input} has no ${fresh.join(' or ')}; writing ${fresh.join(' and ')} freshly initialised ` +
      `(init_type xavier, init_variance 0.02), so NVlabs' training starts ${fresh.length === 1 ? 'it' : 'them'} afresh\n`);
  }

  const state = trainState(ck);
  const training = state ? exportTraining(state) : undefined;
  const iteration = iterationOf(ck, state, input);
  const name = path.basename(outDir);
  const options = nvlabsOptionValues(ck.config, name, training);
  const files = runFolderFiles(ck, options, iteration, input);

  fs.mkdirSync(outDir, { recursive: true });
  for (const [file, bytes] of files) writeFileAtomic(path.join(outDir, file), bytes);
  const padded = ck.config.spade_hidden < NVLABS_SPADE_HIDDEN ? ` (spade_hidden ${ck.config.spade_hidden} padded to NVlabs' ${NVLABS_SPADE_HIDDEN}, same picture)` : '';
  ctx.log(`wrote ${outDir}: ${[...files.keys()].join(', ')}${padded}; NVlabs epoch ${iteration.epoch}, iteration ${iteration.epochIter}`);
  const flags = trainFlags(options, { checkpoints_dir: path.dirname(outDir), name });
  ctx.log(`resume with NVlabs/SPADE (set --gpu_ids, --batchSize and the data folders for the machine it runs on):\n  python train.py ${flags.join(' ')}`);
  const total = Number(options.niter) + Number(options.niter_decay);
  if (iteration.epoch > total) {
    ctx.log(`note: NVlabs trains only while the epoch in iter.txt (${iteration.epoch}) is at most niter + niter_decay (${total}): raise --niter to train further`);
  }
}

/** Builds the model (checking every tensor against the options) and fills in missing D / E. */
async function addFreshNets(ck: SpadeCheckpoint, input: string, seed: number): Promise<Array<'E' | 'D'>> {
  const model = SpadeModel.fromCheckpoint(ck, input);
  try {
    const fresh = model.addTrainingNets(seed);
    if (fresh.length) {
      const host = await model.toCheckpoint();
      for (const net of fresh) ck.nets[net] = host.nets[net];
    }
    // PyTorch's state-dict order (a safetensors file keeps names sorted): NVlabs' files list them so.
    for (const net of ['G', 'E', 'D'] as const) {
      const tensors = ck.nets[net];
      const store = model.params[net];
      if (tensors && store) ck.nets[net] = torchStateDictOrder(new Map(store.specs.map((s) => [s.key, tensors.get(s.key)!])));
    }
    return fresh;
  } finally {
    model.dispose();
  }
}

function seedFrom(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new SpadeInputError(`--seed must be an integer ≥ 0, got '${String(v)}'`);
  return Number(v);
}

/** The part of `spade train`'s train_state that export uses. */
interface TrainStateForExport {
  batch: number;
  loader: { epoch: number; index: number; pairs: number };
  options: { lr: number; beta1: number; beta2: number; no_TTUR: boolean; niter: number; niter_decay: number };
  preprocess: { preprocess_mode: string; load_size: number; no_flip: boolean };
  data: string;
  /** NVlabs' dataset options (dataset_mode, dataroot or the custom folders); older runs lack it. */
  dataset?: Record<string, string>;
}

/** Every field export reads, of the types it reads them as: the metadata is data, not trusted. */
function isTrainState(s: TrainStateForExport): boolean {
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const o = s?.options;
  const p = s?.preprocess;
  return (
    Number.isInteger(s.batch) && s.batch > 0 && Number.isInteger(s.loader?.pairs) && s.loader.pairs > 0 &&
    typeof o === 'object' && o !== null && [o.lr, o.beta1, o.beta2, o.niter, o.niter_decay].every(num) && typeof o.no_TTUR === 'boolean' &&
    typeof p === 'object' && p !== null && typeof p.preprocess_mode === 'string' && num(p.load_size) && typeof p.no_flip === 'boolean' &&
    typeof s.data === 'string' &&
    (s.dataset === undefined || (typeof s.dataset === 'object' && s.dataset !== null && Object.values(s.dataset).every((v) => typeof v === 'string')))
  );
}

function trainState(ck: SpadeCheckpoint): TrainStateForExport | undefined {
  if (!ck.info.train_state) return undefined;
  try {
    const s = JSON.parse(ck.info.train_state) as TrainStateForExport;
    return isTrainState(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Our schedule counts optimisation steps; NVlabs' counts epochs (passes over the data, the
 * last partial batch dropped). One NVlabs epoch is floor(pairs / batch) of our steps.
 */
function exportTraining(s: TrainStateForExport): ExportTraining {
  const stepsPerEpoch = Math.max(1, Math.floor(s.loader.pairs / s.batch));
  const epochs = (steps: number) => Math.ceil(steps / stepsPerEpoch);
  const folder = (sub: string) => path.join(s.data, sub);
  return {
    batch: s.batch,
    lr: s.options.lr,
    beta1: s.options.beta1,
    beta2: s.options.beta2,
    no_TTUR: s.options.no_TTUR,
    niter: epochs(s.options.niter),
    niter_decay: epochs(s.options.niter_decay),
    preprocess_mode: s.preprocess.preprocess_mode,
    load_size: s.preprocess.load_size,
    no_flip: s.preprocess.no_flip,
    dataset: s.dataset ?? {
      dataset_mode: 'custom',
      label_dir: folder('labels'),
      image_dir: folder('images'),
      ...(fs.existsSync(folder('instances')) ? { instance_dir: folder('instances') } : {}),
    },
  };
}

/** A run imported from NVlabs keeps its own count; one of ours maps its loader's place. */
function iterationOf(ck: SpadeCheckpoint, state: TrainStateForExport | undefined, source: string): NvlabsIteration {
  if (ck.info.nvlabs_iteration) return iterationFromInfo(ck.info.nvlabs_iteration, source);
  return iterationFromLoader(state?.loader);
}
