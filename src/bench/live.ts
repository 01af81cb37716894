/**
 * `spade bench --cached_modulation`: what the modulation cache and the dirty-region renderer
 * (src/model/live) save on one config and backend, in one fresh worker process (Node) or one
 * fresh browser page (`--browser`, src/bench/page.ts):
 *   - full frame: model.synthesize, as the plain rows time it (it uses the gather where
 *     preferredMethod says so, as the live renderer does, so the two must agree exactly);
 *   - prepare mask: every SPADE layer's (gamma, beta), with the dense conv and with the gather;
 *   - new style: a render from the prepared mask with a new seed;
 *   - 16-px brush stroke: a round 16-px dab of another class somewhere on the mask, rendered
 *     by the LiveRenderer, then the same mask as a full frame, which must be bit-identical.
 * Every timing includes reading the image back, as a frame in the editor does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SpadeModel } from '../model/model';
import type { LabelBatch } from '../model/preprocess';
import { LiveRenderer } from '../model/live/live_renderer';
import { preferredMethod, type ModulationMethod } from '../model/live/modulation';
import { mulberry32 } from '../model/random';
import { median } from './stats';

export interface LiveResult {
  backend_info: string;
  method: ModulationMethod;
  full_ms: number[];
  prepare_ms: Record<ModulationMethod, number[]>;
  new_style_ms: Record<ModulationMethod, number[]>;
  stroke_ms: number[];
  /** Largest |stroke frame - full frame| over the runs: 0 when the recompute is exact. */
  stroke_max_diff: number;
  partial_blocks: number[];
  peak_rss_mb: number;
}

const BRUSH = 16;

/** Paints a round dab of diameter BRUSH at (cx, cy) with a class other than the one under its centre. */
export function dab(labels: LabelBatch, cx: number, cy: number, classes: number): void {
  const { ids, w, h } = labels;
  const v = (ids[cy * w + cx] + 1) % classes;
  const r = BRUSH / 2;
  for (let y = Math.max(0, Math.ceil(cy - r)); y < Math.min(h, cy + r); y++) {
    for (let x = Math.max(0, Math.ceil(cx - r)); x < Math.min(w, cx + r); x++) {
      if ((x - cx + 0.5) ** 2 + (y - cy + 0.5) ** 2 <= r * r) ids[y * w + x] = v;
    }
  }
}

async function timed(f: () => tf.Tensor): Promise<[number, Float32Array]> {
  const t0 = performance.now();
  const t = f();
  const d = (await t.data()) as Float32Array;
  const ms = performance.now() - t0;
  t.dispose();
  return [ms, d];
}

/**
 * `peakMb`: the process's peak memory in Node, or the backend's allocation in a browser page
 * (which has no Node imports: this module runs in both).
 */
export async function runLive(
  model: SpadeModel,
  labels: LabelBatch,
  job: { runs: number },
  backendInfo: string,
  peakMb: () => number,
): Promise<LiveResult> {
  const cfg = model.config;
  const classes = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  const method = preferredMethod(cfg);
  await timed(() => model.synthesize(labels, { seed: 0 })); // warm-up: kernel set-up, not timed
  const prepare_ms = { dense: [] as number[], gather: [] as number[] };
  const new_style_ms = { dense: [] as number[], gather: [] as number[] };
  for (const m of ['dense', 'gather'] as const) {
    const t0 = performance.now();
    const mask = model.prepareMask(labels, { method: m });
    await [...mask.mods.values()].pop()!.beta.data(); // the last layer's: GPU backends run in order
    prepare_ms[m].push(performance.now() - t0);
    for (let i = 0; i < job.runs; i++)
      new_style_ms[m].push((await timed(() => model.synthesizePrepared(mask, { seed: i + 1 })))[0]);
    mask.dispose();
  }

  // The dirty-region path is what the stroke rows measure, on every backend (WebGL included,
  // where the renderer turns it off by default because of what these rows show).
  const live = new LiveRenderer(model.G, model.params.G, { method, dirtyRegions: true });
  const ids = labels.ids.slice();
  const frameLabels = () => ({ ...labels, ids: ids.slice(), instances: labels.instances ? ids.slice() : undefined });
  live.render(frameLabels(), { seed: 0 }).image.dispose();
  const rnd = mulberry32(5);
  const full_ms: number[] = [];
  const stroke_ms: number[] = [];
  const partial_blocks: number[] = [];
  let maxDiff = 0;
  for (let i = 0; i < job.runs; i++) {
    // Anywhere but within a brush of the border, where a dab is clipped.
    dab(
      { ...labels, ids },
      BRUSH + Math.floor(rnd() * (labels.w - 2 * BRUSH)),
      BRUSH + Math.floor(rnd() * (labels.h - 2 * BRUSH)),
      classes,
    );
    const l = frameLabels();
    let partial = 0;
    const [ms, got] = await timed(() => {
      const f = live.render(l, { seed: 0 });
      partial = f.partialBlocks;
      return f.image;
    });
    stroke_ms.push(ms);
    partial_blocks.push(partial);
    const [fullMs, want] = await timed(() => model.synthesize(l, { seed: 0 }));
    full_ms.push(fullMs);
    for (let k = 0; k < want.length; k++) maxDiff = Math.max(maxDiff, Math.abs(got[k] - want[k]));
  }
  live.dispose();
  return {
    backend_info: backendInfo,
    method,
    full_ms,
    prepare_ms,
    new_style_ms,
    stroke_ms,
    stroke_max_diff: maxDiff,
    partial_blocks,
    peak_rss_mb: peakMb(),
  };
}

/** One line of the live table: a way of making a frame, against the full frame in the same process. */
export interface LiveRow {
  config: string;
  backend: string;
  what: string;
  ms_median: number;
  ms_all: number[];
  /** full-frame median / this median. */
  speedup_vs_full: number;
  note?: string;
}

export function liveRows(config: string, backend: string, r: LiveResult): LiveRow[] {
  const full = median(r.full_ms);
  const row = (what: string, ms: number[], note?: string): LiveRow => ({
    config,
    backend,
    what,
    ms_median: median(ms),
    ms_all: ms,
    speedup_vs_full: full / median(ms),
    note,
  });
  const diff = r.stroke_max_diff === 0 ? 'identical pixels' : `max |diff| ${r.stroke_max_diff.toExponential(1)}`;
  return [
    row('full frame (synthesize)', r.full_ms, r.method === 'gather' ? 'one-hot conv as a gather' : undefined),
    row('prepare mask, dense one-hot conv', r.prepare_ms.dense),
    row('prepare mask, gather', r.prepare_ms.gather),
    row('new style from cached modulation (dense)', r.new_style_ms.dense),
    row('new style from cached modulation (gather)', r.new_style_ms.gather),
    row(`16-px brush stroke, dirty region (${r.method})`, r.stroke_ms, `${diff}; blocks on a crop: ${r.partial_blocks.join(',')}`),
  ];
}

export function liveTable(rows: LiveRow[]): string {
  const lines = ['| config | backend | frame | median (ms) | full frame ÷ this | note |', '|---|---|---|---:|---:|---|'];
  for (const r of rows) lines.push(`| ${r.config} | ${r.backend} | ${r.what} | ${r.ms_median.toFixed(0)} | ${r.speedup_vs_full.toFixed(2)}× | ${r.note ?? ''} |`);
  return lines.join('\n');
}
