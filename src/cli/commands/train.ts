/**
 * spade train: checks the dataset, builds or loads the model, and runs NVlabs' training step
 * (src/model/train) with a progress bar, metrics.jsonl, sample grids and atomic checkpoints.
 * `--resume` continues from <out>/latest.safetensors: weights, optimizer state, the step count
 * and the loader's place in the data. Ctrl-C (or SIGTERM, SIGHUP) saves `latest` and exits with 130.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SingleBar } from 'cli-progress';
import { makeConfig, type SpadeConfig } from '../../model/config';
import { SpadeInputError } from '../../model/errors';
import { SpadeModel } from '../../model/model';
import { autoBackendNote } from '../backend';
import { readCheckpoint, writeCheckpoint, type SpadeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { labelSetFor, type LabelSet } from '../../model/io/label_sets';
import type { PreprocessMode } from '../../model/data/augment';
import { SpadeTrainer, type StepLosses } from '../../model/train/trainer';
import { makeTrainOptions, ratesAt, type TrainOptions } from '../../model/train/options';
import { configFrom, loadCheckpointFile, maxPixelsFrom } from '../load';
import { readInput, sha256Hex } from '../files';
import { readTrainStateFile } from '../../model/checkpoint/train_state_file';
import { formatDatasetProblems, formatDatasetSummary, scanDataset, type DatasetReport } from '../train/dataset';
import { DatasetLoader, type LoaderState } from '../train/loader';
import { DataParallel } from '../train/data_parallel';
import { LATEST, RunDir, sampleGrid } from '../train/run_dir';
import { RunLock } from '../train/run_lock';
import { runSteps } from '../train/step_pipeline';
import { findLabelSet } from '../train/label_set_flag';
import { layoutFromFlags, type DatasetLayoutChoice } from '../train/dataset_layouts';
import { isRunFolder } from '../nvlabs_run_folder';
import { RUN_FOLDER_FILES } from '../../model/nvlabs/run_folder';
import { iterationFromInfo, type NvlabsIteration } from '../../model/nvlabs/iter_txt';
import type { CommandContext } from '../command_context';

/** What a checkpoint carries (as JSON in its metadata) so that --resume can continue the run. */
interface TrainState {
  step: number;
  steps: number;
  seed: number;
  batch: number;
  loader: LoaderState;
  options: TrainOptions;
  preprocess: { preprocess_mode: PreprocessMode; load_size: number; no_flip: boolean };
  data: string;
  /** NVlabs' options for the same data (dataset_mode, dataroot or label_dir/image_dir/instance_dir), for spade export. */
  dataset?: Record<string, string>;
}

export const TRAIN_FLAGS = {
  data: { type: 'string' }, out: { type: 'string', short: 'o' }, checkpoint: { type: 'string' }, steps: { type: 'string' },
  batch: { type: 'string' }, resume: { type: 'boolean' }, check: { type: 'boolean' }, seed: { type: 'string' },
  save_every: { type: 'string' }, sample_every: { type: 'string' }, log_every: { type: 'string' },
  lr: { type: 'string' }, beta1: { type: 'string' }, beta2: { type: 'string' }, no_TTUR: { type: 'boolean' },
  niter: { type: 'string' }, niter_decay: { type: 'string' }, preprocess_mode: { type: 'string' }, load_size: { type: 'string' },
  no_flip: { type: 'boolean' }, label_set: { type: 'string' }, max_pixels: { type: 'string' },
  label_dir: { type: 'string' }, image_dir: { type: 'string' }, instance_dir: { type: 'string' }, workers: { type: 'string' },
  d_warmup: { type: 'string' }, state: { type: 'string' },
} as const;

function int(v: unknown, flag: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new SpadeInputError(`--${flag} must be an integer ≥ ${min}, got '${String(v)}'`);
  return n;
}

function num(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new SpadeInputError(`--${flag} must be a number, got '${String(v)}'`);
  return n;
}

const PREPROCESS_MODES = ['resize_and_crop', 'crop', 'scale_width', 'scale_width_and_crop', 'scale_shortside', 'scale_shortside_and_crop', 'fixed', 'none'];

export async function train(ctx: CommandContext): Promise<number> {
  // The run's first line: which backend `auto` took, and why.
  const auto = autoBackendNote();
  if (auto) ctx.log(auto);
  const v = ctx.values;
  const layout = layoutFromFlags(v);
  const data = layout.source.root;
  const check = v.check === true;
  const outDir = check ? undefined : path.resolve(ctx.required('out'));
  const run = outDir ? new RunDir(outDir) : undefined;
  const resume = v.resume === true;
  if (!fs.existsSync(data) || !fs.statSync(data).isDirectory()) {
    const missing = layout.mode === 'folders' ? 'it needs images/ and labels/' : layout.source.missingFolder;
    throw new SpadeInputError(`dataset folder does not exist (${missing})`, data);
  }
  // A live run writing this folder comes first: its checkpoints would look like ours to resume.
  let lock = outDir && fs.existsSync(outDir) ? RunLock.acquire(outDir) : undefined;
  try {
    return await trainLocked(ctx, layout, check, outDir, run, resume, (dir) => (lock ??= RunLock.acquire(dir)));
  } finally {
    lock?.release();
  }
}

async function trainLocked(
  ctx: CommandContext,
  layout: DatasetLayoutChoice,
  check: boolean,
  outDir: string | undefined,
  run: RunDir | undefined,
  resume: boolean,
  lockFolder: (dir: string) => void,
): Promise<number> {
  const v = ctx.values;
  const data = layout.source.root;
  if (run && run.hasLatest() && !resume) {
    throw new SpadeInputError(`already holds a training run (${LATEST}): pass --resume to continue it, or choose another --out`, outDir);
  }

  // The model: resumed, from a checkpoint, or fresh from options (label_nc from the data).
  let ck: SpadeCheckpoint | undefined;
  let state: TrainState | undefined;
  // --resume on an NVlabs run folder (as --out or --checkpoint) continues NVlabs' own count.
  // Our latest.safetensors wins, unless NVlabs wrote the folder's G after it (trained there since).
  const nvlabsCandidate = resume ? nvlabsRunToResume(v.checkpoint as string | undefined, outDir) : undefined;
  const nvlabsRun =
    nvlabsCandidate && (!run?.hasLatest() || newerThan(path.join(nvlabsCandidate, RUN_FOLDER_FILES.G), run.file(LATEST)))
      ? nvlabsCandidate
      : undefined;
  let nvlabsIteration: NvlabsIteration | undefined;
  if (nvlabsRun) {
    ck = loadCheckpointFile(nvlabsRun, configFrom(v, nvlabsRun));
    if (!ck.info.nvlabs_iteration) throw new SpadeInputError('--resume: the NVlabs run folder has no iter.txt to continue from', nvlabsRun);
    nvlabsIteration = iterationFromInfo(ck.info.nvlabs_iteration, nvlabsRun);
  } else if (resume) {
    if (!run?.hasLatest()) throw new SpadeInputError(`--resume: there is no ${LATEST} to resume`, outDir);
    const file = run.file(LATEST);
    ck = readCheckpoint(readInput(file, 'checkpoint'), file);
    state = parseState(ck.info.train_state, file);
  } else if (v.checkpoint) {
    ck = loadCheckpointFile(v.checkpoint as string, configFrom(v, v.checkpoint as string));
    if (v.state !== undefined) state = attachKeptState(ck, v.checkpoint as string, v.state as string);
  }
  if (v.state !== undefined && (resume || !v.checkpoint))
    throw new SpadeInputError('--state continues a kept training state: it needs --checkpoint with the weights it was kept with, and no --resume');
  // Where the resumed state came from, for messages.
  const stateSource = resume ? run?.file(LATEST) ?? '' : (v.state as string | undefined) ?? '';
  const flagsConfig = ck ? undefined : configFrom(v);
  const labelSetFlag = v.label_set !== undefined ? findLabelSet(v.label_set as string) : undefined;
  // NVlabs' standard layouts bring their classes (and ADE20K's id shift) with them.
  const labelSet: LabelSet | undefined = ck?.labelSet ?? labelSetFlag ?? layout.labelSet;
  const preprocess = state?.preprocess ?? {
    preprocess_mode: (v.preprocess_mode as PreprocessMode | undefined) ?? 'resize_and_crop',
    load_size: 0,
    no_flip: v.no_flip === true,
  };
  if (!PREPROCESS_MODES.includes(preprocess.preprocess_mode)) throw new SpadeInputError(`--preprocess_mode must be one of ${PREPROCESS_MODES.join(', ')}`);

  // From scratch, what the flags leave open (classes, dontcare, instances) comes from the data.
  const baseConfig = ck?.config;
  const given = (k: string) => v[k] !== undefined;
  const scanConfig = baseConfig
    ? {
        label_nc: baseConfig.label_nc,
        contain_dontcare_label: baseConfig.contain_dontcare_label,
        no_instance: baseConfig.no_instance,
      }
    : {
        label_nc: given('label_nc') ? flagsConfig!.label_nc : labelSet?.names.length,
        contain_dontcare_label: given('contain_dontcare_label') ? true : labelSet ? labelSet.dontcareId !== null : undefined,
        no_instance: given('no_instance') ? true : undefined,
      };
  ctx.log(`checking ${data} ...`);
  const provisional = baseConfig ?? makeConfig({ ...(flagsConfig ?? {}), label_nc: scanConfig.label_nc ?? 1 }, 'options');
  const loadSize = int(v.load_size, 'load_size', 1, state?.preprocess.load_size || provisional.crop_size);
  preprocess.load_size = loadSize;
  if (layout.mode !== 'folders') ctx.log(`reading NVlabs' ${layout.mode} layout where it is (${Object.entries(layout.nvlabs).filter(([k]) => k !== 'dataset_mode').map(([k, p]) => `${k} ${p}`).join(', ')})`);
  const report = scanDataset(data, {
    ...scanConfig,
    source: layout.source,
    labelSet,
    maxPixels: maxPixelsFrom(v),
    preprocess: { ...preprocess, crop_size: provisional.crop_size, aspect_ratio: provisional.aspect_ratio },
  });
  reportDataset(ctx, report);
  if (report.problems.length) throw new SpadeInputError(`the dataset has ${report.problems.length} problem${report.problems.length > 1 ? 's' : ''} (listed above)`, data);
  if (check) return 0;

  const cfg: SpadeConfig =
    baseConfig ??
    makeConfig({ ...(flagsConfig ?? {}), label_nc: report.label_nc, contain_dontcare_label: report.contain_dontcare_label, no_instance: !report.hasInstances || given('no_instance') }, 'options');
  const seed = state?.seed ?? int(v.seed, 'seed', 0, 0);
  const batch = state?.batch ?? int(v.batch, 'batch', 1, 1);
  // Replicas on worker threads, each with rows of every batch (data parallel, CPU backends only).
  const workers = int(v.workers, 'workers', 1, 1);
  if (workers > 1 && ctx.backend !== 'wasm' && ctx.backend !== 'cpu')
    throw new SpadeInputError(`--workers ${workers} runs replicas on CPU cores: it needs --backend wasm or cpu, not ${ctx.backend}`);
  if (workers > batch) throw new SpadeInputError(`--workers ${workers} splits every batch between workers: it needs --batch ${workers} or more, got ${batch}`);
  // NVlabs counts samples in epochs of floor(pairs / batch) batches; our steps count batches.
  const batchesPerEpoch = Math.max(1, Math.floor(report.pairs.length / batch));
  const nvlabsStart = nvlabsIteration
    ? (nvlabsIteration.epoch - 1) * batchesPerEpoch + Math.floor(nvlabsIteration.epochIter / batch)
    : 0;
  const steps = int(v.steps, 'steps', 1, state?.steps ?? nvlabsStart + 1000);
  // A resumed run keeps its options (checked again: one saved before d_warmup existed gets 0).
  const options = state
    ? makeTrainOptions(state.options, stateSource)
    : makeTrainOptions(
        { lr: num(v.lr, 'lr'), beta1: num(v.beta1, 'beta1'), beta2: num(v.beta2, 'beta2'), no_TTUR: v.no_TTUR === true,
          niter_decay: int(v.niter_decay, 'niter_decay', 0, 0), niter: v.niter !== undefined ? int(v.niter, 'niter', 0, 0) : undefined,
          batchSize: batch, d_warmup: int(v.d_warmup, 'd_warmup', 0, 0) },
        'training flags',
      );
  if (v.niter === undefined && !state) options.niter = Math.max(0, steps - options.niter_decay);
  const logEvery = int(v.log_every, 'log_every', 1, 10);
  const saveEvery = int(v.save_every, 'save_every', 1, Math.max(50, Math.ceil(steps / 10)));
  const sampleEvery = int(v.sample_every, 'sample_every', 1, saveEvery);

  const model = ck
    ? SpadeModel.fromCheckpoint(ck, nvlabsRun ?? (resume ? run!.file(LATEST) : (v.checkpoint as string)))
    : SpadeModel.initialise(cfg, seed, { labelSet: labelSet ?? labelSetFor(cfg.label_nc, cfg.contain_dontcare_label) });
  const fresh = model.addTrainingNets(seed);
  if (fresh.length && ck) ctx.log(`note: the checkpoint has no ${fresh.join(' or ')}; ${fresh.join(' and ')} start${fresh.length === 1 ? 's' : ''} from random weights, so the first steps re-learn what a trained discriminator knew`);
  const loader = new DatasetLoader(report, model.config, { seed, ...preprocess });
  if (state) loader.restore(state.loader);
  const { G, E, D } = model.params;
  const largest = Math.max(G.paramCount(), E?.paramCount() ?? 0, D!.paramCount());
  const parallel = workers > 1 ? new DataParallel(workers, batch, largest) : undefined;
  const trainer = new SpadeTrainer(model, options, { seed, replica: parallel?.part(0) });
  if (state) trainer.restoreState(ck!.extra, stateSource);
  if (nvlabsIteration) {
    // NVlabs keeps no optimizer state: Adam starts afresh, as it does in train.py --continue_train.
    loader.seek(nvlabsIteration.epoch - 1, Math.min(nvlabsIteration.epochIter, report.pairs.length));
    trainer.step = nvlabsStart;
    ctx.log(`continuing NVlabs' run at epoch ${nvlabsIteration.epoch}, iteration ${nvlabsIteration.epochIter}: step ${nvlabsStart} (${batchesPerEpoch} steps of ${batch} per epoch); Adam starts afresh (NVlabs saves no optimizer state)`);
  }
  ck = undefined; // the host copy of the weights is not needed any more

  fs.mkdirSync(outDir!, { recursive: true });
  lockFolder(outDir!);
  run!.removeStaleTemps();
  if (resume) {
    const dropped = run!.truncateMetrics(trainer.step);
    if (dropped) ctx.log(`metrics.jsonl: dropped ${dropped} line${dropped === 1 ? '' : 's'} logged after step ${trainer.step} by the interrupted run (those steps run again)`);
  }
  if (!resume || nvlabsRun) run!.writeJson('run.json', { data, checkpoint: v.checkpoint ?? null, steps, batch, workers, backend: ctx.backend, seed, options, preprocess, config: model.config, started: new Date().toISOString() });
  // A fixed set of pairs for the sample grids: the first draw of a loader of their own.
  const sampleBatch = new DatasetLoader(report, model.config, { seed, ...preprocess, no_flip: true })
    .next(Math.min(batch * 2, 4, report.pairs.length));

  let stop: string | undefined;
  const onSignal = (sig: string) => () => {
    if (stop) process.exit(130); // a second Ctrl-C: the last complete checkpoint is on disk
    stop = sig;
  };
  // SIGHUP: VS Code's "Terminate Task" closes the terminal.
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM'), SIGHUP: onSignal('SIGHUP') };
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);

  const save = async (numbered: boolean) => {
    const out = await model.toCheckpoint({ note: 'spade train', step: String(trainer.step) });
    out.extra = await trainer.stateToHost();
    const st: TrainState = {
      step: trainer.step,
      steps,
      seed,
      batch,
      loader: loader.state(),
      options,
      preprocess,
      data,
      dataset: layout.nvlabs,
    };
    out.info.train_state = JSON.stringify(st);
    run!.writeCheckpoint(writeCheckpoint(out), trainer.step, numbered);
  };
  const sample = async () => {
    const fake = tf.tidy(() => {
      let z: tf.Tensor2D | undefined;
      const { n, h, w } = sampleBatch.labels;
      if (model.E) z = model.encode(tf.tensor4d(sampleBatch.images, [n, h, w, 3])).mu;
      return model.synthesize(sampleBatch.labels, { z, seed });
    });
    const pixels = (await fake.data()) as Float32Array;
    fake.dispose();
    const { n, h, w, ids } = sampleBatch.labels;
    run!.writeSample(trainer.step, sampleGrid(ids, sampleBatch.images, pixels, n, h, w, model.labelSet));
  };

  const bar = process.stderr.isTTY ? new SingleBar({ format: 'train [{bar}] {value}/{total} | {speed} steps/s | ETA {eta_formatted} | {losses}', hideCursor: true }) : undefined;
  const startStep = trainer.step;
  const t0 = Date.now();
  bar?.start(steps, startStep, { speed: '-', losses: '' });
  ctx.log(`training ${steps - startStep} step${steps - startStep === 1 ? '' : 's'} on ${ctx.backend} (batch ${batch}${workers > 1 ? ` split over ${workers} workers` : ''}, ${report.pairs.length} pairs, ${model.config.crop_size}px), writing to ${outDir}`);
  // Only the losses of a step that logs or writes are read back (one readback for all of them,
  // which also stops a diverged run before it saves); a step that only logs is read while the
  // next one is queued (train/step_pipeline.ts), and the others are dropped unread, so those steps
  // never wait for the GPU.
  try {
    // The workers copy this thread's model and optimizer state, resumed or fresh.
    await parallel?.start(model, trainer, { script: process.argv[1], backend: ctx.backend, seed });
    const saves = (done: number) => done % saveEvery === 0 || done === steps;
    const samples = (done: number) => done % sampleEvery === 0 || done === steps;
    await runSteps<StepLosses>({
      next: () => {
        if (trainer.step >= steps || stop) return undefined;
        const b = loader.next(batch);
        const next = { labels: b.labels, images: b.images };
        return parallel ? parallel.queueStep(trainer, next, data) : trainer.queueStep(next, data);
      },
      plan: (done) => ({
        logging: done % logEvery === 0 || done === steps,
        writes: saves(done) || samples(done) || stop !== undefined,
      }),
      finish: async (done, losses) => {
        const elapsed = (Date.now() - t0) / 1000;
        const speed = (done - startStep) / Math.max(elapsed, 1e-6);
        if (losses) {
          const rates = ratesAt(options, done - 1);
          run!.appendMetrics({
            step: done,
            steps_total: steps,
            elapsed_s: round(elapsed),
            steps_per_s: round(speed),
            eta_s: round((steps - done) / Math.max(speed, 1e-9)),
            lr_G: rates.lrG,
            lr_D: rates.lrD,
            ...roundLosses(losses),
          });
          if (!bar) ctx.log(`step ${done}/${steps}  ${speed.toFixed(2)} steps/s  ${formatLosses(losses)}`);
          bar?.update(done, { speed: speed.toFixed(2), losses: formatLosses(losses) });
        } else bar?.update(done);
        // On wasm/cpu a step never waits on I/O, so without this the signal handlers would not run.
        await new Promise((resolve) => setImmediate(resolve));
        if (samples(done)) await sample();
        if (saves(done)) await save(true);
      },
    });
    if (stop) {
      await save(false);
      bar?.stop();
      ctx.log(`${stop}: saved ${run!.file(LATEST)} at step ${trainer.step}`);
      return 130;
    }
    bar?.stop();
    ctx.log(`done: ${trainer.step} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s; checkpoint ${run!.file(LATEST)}`);
    return 0;
  } finally {
    bar?.stop();
    for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
    await parallel?.close();
    trainer.dispose();
    model.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function roundLosses(l: StepLosses): Record<string, number> {
  return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, Math.round((v as number) * 1e6) / 1e6]));
}

function formatLosses(l: StepLosses): string {
  return Object.entries(l).map(([k, v]) => `${k} ${(v as number).toFixed(3)}`).join('  ');
}

function reportDataset(ctx: CommandContext, report: DatasetReport): void {
  ctx.log(formatDatasetSummary(report));
  if (report.problems.length) process.stderr.write(formatDatasetProblems(report) + '\n');
}

function newerThan(a: string, b: string): boolean {
  return fs.statSync(a).mtimeMs > fs.statSync(b).mtimeMs;
}

/** The NVlabs run folder --resume continues: --checkpoint if it is one, else --out if it is one. */
function nvlabsRunToResume(checkpoint: string | undefined, outDir: string | undefined): string | undefined {
  const isNvlabsRun = (p: string | undefined): p is string =>
    p !== undefined && isRunFolder(p) && fs.existsSync(path.join(p, RUN_FOLDER_FILES.G));
  if (isNvlabsRun(checkpoint)) return checkpoint;
  if (isNvlabsRun(outDir)) return outDir;
  return undefined;
}

/**
 * A kept training state (spade convert --state_out) joined to the weights it was kept with: D
 * and the optimizer state go into the checkpoint, and the run's description comes back.
 */
function attachKeptState(ck: SpadeCheckpoint, checkpoint: string, file: string): TrainState {
  const kept = readTrainStateFile(readInput(file, 'training state'), file);
  const sha = sha256Hex(readInput(checkpoint, 'checkpoint'));
  if (sha !== kept.weightsSha256)
    throw new SpadeInputError(`was kept with other weights (SHA-256 ${kept.weightsSha256.slice(0, 12)}…), not ${path.basename(checkpoint)} (${sha.slice(0, 12)}…)`, file);
  ck.nets.D = kept.D;
  ck.extra = kept.extra;
  return parseState(kept.trainState, file);
}

function parseState(json: string | undefined, file: string): TrainState {
  try {
    const s = JSON.parse(json ?? 'null') as TrainState | null;
    if (!s || !Number.isInteger(s.step) || !Number.isInteger(s.steps) || typeof s.loader !== 'object' || typeof s.options !== 'object') throw new Error('missing');
    return s;
  } catch {
    throw new SpadeInputError('is not a resumable training checkpoint (no train_state in its metadata)', file);
  }
}
