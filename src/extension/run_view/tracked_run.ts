/**
 * One run folder in a run view: its metrics.jsonl followed by a tail, its series, and the
 * sample grids in samples/. A file watcher (and a slow poll behind it, as watchers can miss
 * events) asks for a refresh; refreshes are serialised and run at most every THROTTLE_MS.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MetricsTail } from './metrics_tail';
import { RunSeries } from './run_series';

const POLL_MS = 2000;
const THROTTLE_MS = 250;
const APPEND_SLICE = 5000;

export class TrackedRun implements vscode.Disposable {
  readonly tail: MetricsTail;
  readonly series = new RunSeries();
  /** samples/step_N.png, by step. */
  samples: Sample[] = [];
  note?: string;
  /** Lines of metrics.jsonl that were not metrics rows, since the file was last read afresh. */
  private badLines = 0;
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly timer: ReturnType<typeof setInterval>;
  private queue: Promise<void> = Promise.resolve();
  private scheduled = false;
  private disposed = false;

  constructor(
    readonly id: number,
    readonly dir: string,
    /** Called after each refresh that read something new. */
    private readonly onUpdate: (run: TrackedRun) => void,
  ) {
    this.tail = new MetricsTail(path.join(dir, 'metrics.jsonl'));
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '{metrics.jsonl,samples/*.png}'));
    const kick = () => this.schedule();
    this.watcher.onDidChange(kick);
    this.watcher.onDidCreate(kick);
    this.watcher.onDidDelete(kick);
    this.timer = setInterval(kick, POLL_MS);
  }

  get name(): string {
    const rel = vscode.workspace.asRelativePath(vscode.Uri.file(this.dir), false);
    return rel || path.basename(this.dir);
  }

  /** A refresh soon; bursts of events (a line a step) fold into one. */
  schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      void this.refresh();
    }, THROTTLE_MS);
  }

  /** Reads what was appended and lists the samples; serialised. */
  refresh(): Promise<void> {
    this.queue = this.queue.then(() => this.look()).catch(() => undefined);
    return this.queue;
  }

  private async look(): Promise<void> {
    if (this.disposed) return;
    const before = this.tail.bytesRead;
    const read = await this.tail.read();
    if (read.reset) {
      this.series.clear();
      this.badLines = 0;
    }
    // In slices, yielding between them: a long file's first read must not hold up the host.
    for (let i = 0; i < read.rows.length; i += APPEND_SLICE) {
      this.series.append(read.rows.slice(i, i + APPEND_SLICE));
      if (i + APPEND_SLICE < read.rows.length) await new Promise((r) => setImmediate(r));
    }
    this.badLines += read.badLines;
    const samples = await listSamples(this.dir);
    const bad = this.badLines;
    const note = !read.exists
      ? `${this.name}/metrics.jsonl does not exist yet: waiting for the run to log its first step.`
      : bad
        ? `${this.name}/metrics.jsonl: skipped ${bad} line${bad === 1 ? '' : 's'} that ${bad === 1 ? 'is not a metrics row' : 'are not metrics rows'}.`
        : undefined;
    const grew = read.reset || read.rows.length > 0 || this.tail.bytesRead !== before;
    const changed = grew || note !== this.note || !sameSamples(samples, this.samples);
    this.samples = samples;
    this.note = note;
    if (changed && !this.disposed) this.onUpdate(this);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    this.watcher.dispose();
  }
}

export interface Sample {
  step: number;
  /** The file's path inside the run folder (samples/step_000120.png). */
  file: string;
}

/** samples/step_N.png in `dir` (the step zero-padded, as `spade train` names them), by step. */
export async function listSamples(dir: string): Promise<Sample[]> {
  const names = await fs.readdir(path.join(dir, 'samples')).catch(() => [] as string[]);
  const out: Sample[] = [];
  for (const f of names) {
    const m = /^step_(\d+)\.png$/.exec(f);
    if (m) out.push({ step: Number(m[1]), file: path.join('samples', f) });
  }
  return out.sort((a, b) => a.step - b.step);
}

function sameSamples(a: readonly Sample[], b: readonly Sample[]): boolean {
  return a.length === b.length && a.every((v, i) => v.step === b[i].step && v.file === b[i].file);
}
