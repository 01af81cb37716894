/**
 * spade eval: the quality metric. Synthesizes every label map of a dataset folder and scores
 * the real and the synthesized pictures with the bundled segmenter (src/cli/eval/evaluate.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cliProgress from 'cli-progress';
import { SpadeInputError } from '../../model/errors';
import { writeFileAtomic } from '../files';
import { findPairs } from '../train/dataset_files';
import { configFrom, loadModel } from '../load';
import { parseSeed } from './synth';
import { checkpointOrDefault } from '../default_model';
import { defaultSegmenter, evaluateSamples, loadSegmenter, type EvalReport } from '../eval/evaluate';
import type { SpadeModel } from '../../model/model';
import type { CommandContext } from '../command_context';

export async function evalCommand(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const data = ctx.required('data');
  const out = ctx.required('out');
  if (path.extname(out).toLowerCase() !== '.json') throw new SpadeInputError('output must end in .json', out);
  const outDir = path.dirname(path.resolve(out));
  if (!fs.existsSync(outDir)) throw new SpadeInputError('output folder does not exist', outDir);
  const seed = v.seed === undefined ? 0 : parseSeed(v.seed as string);
  const checkpoint = checkpointOrDefault(ctx);
  const segFile = (v.segmenter as string | undefined) ?? defaultSegmenter();

  // The folder and the segmenter are checked before the (larger) model is loaded.
  const layout = findPairs(data);
  const first = layout.problems[0];
  if (first) throw new SpadeInputError(`${first.message}${layout.problems.length > 1 ? ` (and ${layout.problems.length - 1} more problems)` : ''}`, first.file);
  if (layout.pairs.length === 0) throw new SpadeInputError('no image/label pairs in images/ and labels/', data);
  const seg = loadSegmenter(segFile);
  let model: SpadeModel | undefined;
  try {
    model = loadModel(checkpoint, configFrom(v, checkpoint));
    const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '  {bar} {value}/{total} label maps, {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic);
    let report: EvalReport;
    try {
      bar.start(layout.pairs.length, 0);
      report = await evaluateSamples(model, seg, layout.pairs, checkpoint, { seed, progress: (n) => bar.update(n) });
    } finally {
      bar.stop();
    }
    const json = { ...report, checkpoint, segmenter: segFile, data, backend: ctx.backend };
    writeFileAtomic(out, new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'));
    ctx.log(summary(report));
    ctx.log(`wrote ${out} (${report.samples} label maps; synthesis ${report.seconds.synthesize.toFixed(1)} s, segmentation ${report.seconds.segment.toFixed(1)} s on ${ctx.backend})`);
  } finally {
    model?.dispose();
    seg.dispose();
  }
}

const pct = (x: number | null) => (x === null ? '  -  ' : (100 * x).toFixed(1).padStart(5));

function summary(r: EvalReport): string {
  const ratio = r.miou_real && r.miou_synth !== null ? ` (synth/real ${(r.miou_synth / r.miou_real).toFixed(2)})` : '';
  const lines = [
    `mIoU real ${pct(r.miou_real)}%  synth ${pct(r.miou_synth)}%${ratio}`,
    `pixel accuracy real ${pct(r.pixel_acc_real)}%  synth ${pct(r.pixel_acc_synth)}%`,
    'class        IoU real  IoU synth  hist dist',
  ];
  for (const [name, s] of Object.entries(r.per_class)) {
    lines.push(`${name.padEnd(12)} ${pct(s.iou_real)}%    ${pct(s.iou_synth)}%     ${s.hist_dist === null ? '  -' : s.hist_dist.toFixed(3)}`);
  }
  lines.push(`(classes absent from both the labels and the predictions are left out of the means; hist dist: ${r.hist_dist_kind})`);
  if (r.mean_hist_dist !== null) lines.push(`mean colour distance ${r.mean_hist_dist.toFixed(3)}`);
  for (const s of r.sharpness) {
    const num = (x: number | null, d: number) => (x === null ? '-' : x.toFixed(d));
    const at = s.scale === 1 ? 'pixel scale' : `${s.scale}-pixel scale`;
    lines.push(`sharpness at the ${at}: synth/real ${num(s.ratio, 3)} (texture energy real ${num(s.energy_real, 2)}, synth ${num(s.energy_synth, 2)})`);
  }
  return lines.join('\n');
}
