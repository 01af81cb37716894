/**
 * A training run's output folder: run.json, metrics.jsonl, checkpoints (latest.safetensors
 * plus numbered ones) and sample grids. Checkpoints are written to a temp file and renamed,
 * so a run killed at any moment leaves the previous `latest` whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { LabelSet } from '../../model/io/label_sets';
import { writeError, writeFileAtomic } from '../files';
import { toByte } from '../../model/image_bytes';

export const LATEST = 'latest.safetensors';

export function stepName(step: number, ext: string): string {
  return `step_${String(step).padStart(6, '0')}${ext}`;
}

export class RunDir {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  hasLatest(): boolean {
    return fs.existsSync(this.file(LATEST));
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n'));
  }

  /** One line per logged step; an append of one short line, flushed before the next step. */
  appendMetrics(record: Record<string, number>): void {
    const file = this.file('metrics.jsonl');
    try {
      fs.appendFileSync(file, JSON.stringify(record) + '\n');
    } catch (e) {
      throw writeError(e, file, 'the run stopped; the last checkpoint is untouched');
    }
  }

  /**
   * On --resume from `step`: a killed run may have logged steps past its last checkpoint (and a
   * torn last line). Those steps run again, so their old lines go: the log is rewritten,
   * atomically, with only the complete lines of steps <= `step`. Returns how many lines went.
   */
  truncateMetrics(step: number): number {
    const file = this.file('metrics.jsonl');
    if (!fs.existsSync(file)) return 0;
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const complete = lines.slice(0, -1); // after the last '\n': empty, or a line the kill tore
    const kept = complete.filter((line) => {
      try {
        const r = JSON.parse(line) as { step?: unknown };
        return typeof r.step === 'number' && r.step <= step;
      } catch {
        return false;
      }
    });
    const dropped = lines.length - 1 - kept.length + (lines[lines.length - 1] ? 1 : 0);
    if (dropped > 0) writeFileAtomic(file, new TextEncoder().encode(kept.map((l) => l + '\n').join('')));
    return dropped;
  }

  /**
   * Temp files a killed run left behind (`.<name>.<pid>.<time>.tmp`, see writeFileAtomic). They
   * were never renamed into place, so they are incomplete by definition.
   */
  removeStaleTemps(): void {
    if (!fs.existsSync(this.dir)) return;
    for (const f of fs.readdirSync(this.dir)) {
      const m = /^\..+\.(\d+)\.\d+\.tmp$/.exec(f);
      if (m && Number(m[1]) !== process.pid) fs.rmSync(this.file(f), { force: true });
    }
  }

  /** `latest` and, when `numbered`, a step_NNNNNN copy; both atomically. */
  writeCheckpoint(bytes: Uint8Array, step: number, numbered: boolean): void {
    if (numbered) writeFileAtomic(this.file(stepName(step, '.safetensors')), bytes);
    writeFileAtomic(this.file(LATEST), bytes);
  }

  writeSample(step: number, png: Uint8Array): string {
    const file = path.join(this.dir, 'samples', stepName(step, '.png'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, png);
    return file;
  }
}

/**
 * Sample grid: one row per sample, columns label (palette colours) | real | synthesized.
 * Images are NHWC in [-1, 1]; ids are model ids (dontcare = label_nc, drawn black).
 */
export function sampleGrid(
  ids: Int32Array,
  real: Float32Array,
  fake: Float32Array,
  n: number,
  h: number,
  w: number,
  labelSet: LabelSet,
): Uint8Array {
  const W = w * 3;
  const out = new Uint8Array(n * h * W * 3);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = (b * h + y) * w + x;
        const row = (b * h + y) * W;
        const c = labelSet.colors[ids[p]] ?? [0, 0, 0];
        for (let k = 0; k < 3; k++) {
          out[(row + x) * 3 + k] = c[k];
          out[(row + w + x) * 3 + k] = toByte(real[p * 3 + k]);
          out[(row + 2 * w + x) * 3 + k] = toByte(fake[p * 3 + k]);
        }
      }
    }
  }
  return encodePng({ width: W, height: n * h, data: out, channels: 3, depth: 8 });
}
