/**
 * `spade train --workers 2` against one thread, on wasm (printed, never asserted): the default
 * model's options (VAE, ngf 16, spade_hidden 32, ndf 32) at --crop (default 128), batch 2. The two
 * modes alternate, each with one warm-up step and then --steps timed steps; per step it prints
 * the wall seconds and the CPU seconds of the whole process (all threads). On a shared machine the
 * wall time follows the load; the CPU time shows what the second thread costs in extra work.
 *
 *   node --import tsx bench/data_parallel.ts [--crop 128] [--steps 3] [--reps 2]
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/cli/backend';
import { DataParallel } from '../src/cli/train/data_parallel';
import { SpadeModel } from '../src/model/model';
import { makeConfig } from '../src/model/config';
import { readCheckpoint, writeCheckpoint } from '../src/model/checkpoint/spade_checkpoint';
import { SpadeTrainer, type TrainBatch } from '../src/model/train/trainer';
import { makeTrainOptions } from '../src/model/train/options';
import { makeInputs } from '../test/helpers/spade_step';

const { values } = parseArgs({ options: { crop: { type: 'string' }, steps: { type: 'string' }, reps: { type: 'string' } } });
const crop = Number(values.crop ?? 128);
const steps = Number(values.steps ?? 3);
const reps = Number(values.reps ?? 2);
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, '..', 'src', 'cli', 'index.ts'))});`;

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

async function run(bytes: Uint8Array, workers: number, batches: TrainBatch[]): Promise<Array<{ wall: number; cpu: number }>> {
  const model = SpadeModel.fromCheckpoint(readCheckpoint(bytes, 'bench'), 'bench');
  const { G, E, D } = model.params;
  const dp = workers > 1 ? new DataParallel(workers, 2, Math.max(G.paramCount(), E!.paramCount(), D!.paramCount())) : undefined;
  const trainer = new SpadeTrainer(model, makeTrainOptions({ batchSize: 2 }), { seed: 1, replica: dp?.part(0) });
  const out: Array<{ wall: number; cpu: number }> = [];
  try {
    await dp?.start(model, trainer, { script: ENTRY, eval: true, backend: 'wasm', seed: 1 });
    for (const [i, b] of batches.entries()) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const q = dp ? dp.queueStep(trainer, b, 'bench') : trainer.queueStep(b, 'bench');
      await q.read();
      q.dispose();
      const c = process.cpuUsage(c0);
      if (i > 0) out.push({ wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
    }
  } finally {
    await dp?.close();
    trainer.dispose();
    model.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  await selectBackend('wasm');
  const cfg = makeConfig({
    label_nc: 11, contain_dontcare_label: true, no_instance: true, use_vae: true,
    ngf: 16, spade_hidden: 32, ndf: 32, crop_size: crop,
  });
  const init = SpadeModel.initialise(cfg, 1, { discriminator: true });
  const bytes = writeCheckpoint(await init.toCheckpoint());
  init.dispose();
  const batches: TrainBatch[] = Array.from({ length: steps + 1 }, (_, i) => {
    const inp = makeInputs(cfg, 2, 10 + i);
    return { labels: { ids: inp.ids, n: 2, h: inp.h, w: inp.w }, images: inp.image };
  });
  const all: Record<number, Array<{ wall: number; cpu: number }>> = { 1: [], 2: [] };
  for (let r = 0; r < reps; r++)
    for (const workers of [1, 2]) {
      const got = await run(bytes, workers, batches);
      all[workers].push(...got);
      const fmt = got.map((s) => `${s.wall.toFixed(1)} s (cpu ${s.cpu.toFixed(1)} s)`).join(', ');
      console.log(`rep ${r + 1}, ${workers} worker${workers > 1 ? 's' : ''}: ${fmt}; load ${load()}`);
    }
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `min ${s[0].toFixed(2)} median ${s[Math.floor(s.length / 2)].toFixed(2)}`;
  };
  for (const w of [1, 2]) {
    const wall = all[w].map((s) => s.wall);
    console.log(`${w} worker${w > 1 ? 's' : ''}, ${crop}², batch 2: s/step ${stat(wall)}; images/s at the min ${(2 / Math.min(...wall)).toFixed(3)};` +
      ` cpu s/step ${stat(all[w].map((s) => s.cpu))}`);
  }
}

void main();
