/** spade dataset landscapes: writes a procedural training set (images/ + labels/). */
import * as cliProgress from 'cli-progress';
import { pyRound } from '../../model/config';
import { SpadeInputError } from '../../model/errors';
import { writeLandscapes } from '../dataset/writer';
import type { CommandContext } from '../command_context';

const GENERATORS = ['landscapes'];

export interface DatasetOptions {
  out: string;
  count: number;
  width: number;
  height: number;
  seed: number;
  force: boolean;
}

/** Checks the flags; every problem is a one-line SpadeInputError naming the flag. */
export function datasetOptions(kind: string, v: CommandContext['values']): DatasetOptions {
  if (!GENERATORS.includes(kind)) throw new SpadeInputError(`unknown dataset generator '${kind}' (generators: ${GENERATORS.join(', ')})`);
  if (typeof v.out !== 'string' || v.out === '') throw new SpadeInputError('missing --out/-o (see spade dataset --help)');
  if (typeof v.count !== 'string') throw new SpadeInputError('missing --count (see spade dataset --help)');
  const count = intFlag(v.count, 'count', 1, 1_000_000);
  const size = v.size === undefined ? 256 : intFlag(String(v.size), 'size', 16, 4096);
  const seed = v.seed === undefined ? 0 : intFlag(String(v.seed), 'seed', 0, 2 ** 32 - 1);
  const aspect = v.aspect === undefined ? 1 : Number(v.aspect);
  if (!Number.isFinite(aspect) || aspect < 0.25 || aspect > 4) throw new SpadeInputError(`--aspect must be a number from 0.25 to 4 (width / height), got '${v.aspect}'`);
  // NVlabs' convention: width = crop size, height = round(width / aspect_ratio).
  const height = pyRound(size / aspect);
  if (height < 16) throw new SpadeInputError(`--size ${size} with --aspect ${aspect} gives a height of ${height} px; the least is 16`);
  return { out: v.out, count, width: size, height, seed, force: v.force === true };
}

export async function dataset(ctx: CommandContext): Promise<void> {
  const { out, count, width, height, seed, force } = datasetOptions(ctx.positional(0, 'a generator (landscapes)'), ctx.values);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '  {bar} {value}/{total} pairs, {eta_formatted} left', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  // Started by the first pair, so that a refused output folder prints its error line alone.
  let started = false;
  const progress = (n: number) => {
    if (!started) bar.start(count, 0);
    started = true;
    if (n % 10 === 0 || n === count) bar.update(n);
  };
  let r: ReturnType<typeof writeLandscapes>;
  try {
    r = writeLandscapes({ out, count, width, height, seed, force, progress });
  } finally {
    if (started) bar.stop();
  }
  const per = (ms: number) => (ms / count).toFixed(1);
  const { layout, render, encode, write } = r.stageMs;
  ctx.log(
    [
      `wrote ${count} pairs (${width}x${height}, seed ${seed}) to ${out}: images/, labels/, landscapes.json (${(r.bytes / 2 ** 20).toFixed(1)} MiB)` +
        (r.removed ? `; removed ${r.removed} stale pairs of the previous run` : ''),
      `throughput: ${((count / r.wallMs) * 60_000).toFixed(0)} pairs/min in ${(r.wallMs / 1000).toFixed(1)} s on one thread; ` +
        `CPU ${per(r.cpuMs)} ms a pair = ${((count / r.cpuMs) * 60_000).toFixed(0)} pairs/min per core ` +
        `(wall time a pair: layout ${per(layout)} ms, render ${per(render)} ms, PNG encode ${per(encode)} ms, write ${per(write)} ms)`,
      'class frequencies (share of pixels, share of scenes that contain the class):',
      r.stats.table(),
    ].join('\n'),
  );
}

function intFlag(s: string, name: string, lo: number, hi: number): number {
  const n = /^\d+$/.test(s.trim()) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new SpadeInputError(`--${name} must be an integer from ${lo} to ${hi}, got '${s}'`);
  return n;
}
