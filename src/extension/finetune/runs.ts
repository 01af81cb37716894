/**
 * Every running `spade` task gets a RunMonitor, whichever way it started (SPADE: Fine-tune or
 * tasks.json). Runs started by the command register their base checkpoint first, so their
 * monitor may move the previews to the run's checkpoint when it lands.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunMonitor, type PreviewSwitch, type RunSnapshot } from './run_monitor';
import { taskOutDir } from './task_provider';

/** How long a finished run's status stays in the status bar. */
const LINGER_MS = 60_000;

export class RunRegistry implements vscode.Disposable {
  private readonly monitors = new Map<string, RunMonitor>();
  private readonly pending = new Map<string, PreviewSwitch>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.disposables = [
      vscode.tasks.onDidStartTaskProcess((e) => this.started(e.execution.task)),
      vscode.tasks.onDidEndTaskProcess((e) => void this.ended(e.execution.task, e.exitCode)),
    ];
  }

  /** Called by the command just before it starts the task. */
  expect(outDir: string, sw: PreviewSwitch): void {
    this.pending.set(path.resolve(outDir), sw);
  }

  private started(task: vscode.Task): void {
    const out = taskOutDir(task);
    if (!out) return;
    this.monitors.get(out)?.dispose();
    this.monitors.set(out, new RunMonitor(out, this.extensionUri, this.pending.get(out)));
    this.pending.delete(out);
  }

  private async ended(task: vscode.Task, exitCode: number | undefined): Promise<void> {
    const out = taskOutDir(task);
    const monitor = out ? this.monitors.get(out) : undefined;
    if (!out || !monitor) return;
    await monitor.end(exitCode);
    setTimeout(() => {
      if (this.monitors.get(out) !== monitor) return; // a new run in the same folder took over
      monitor.dispose();
      this.monitors.delete(out);
    }, LINGER_MS);
  }

  snapshots(): RunSnapshot[] {
    return [...this.monitors.values()].map((m) => m.snapshot());
  }

  dispose(): void {
    for (const m of this.monitors.values()) m.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
