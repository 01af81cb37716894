/**
 * Follows one running `spade train` through its run folder: the status bar shows the last line
 * of metrics.jsonl, and each new latest.safetensors is announced. Previews that already use it
 * reload through the checkpoint service's own file watcher; a run started by SPADE: Fine-tune
 * also moves previews from its base checkpoint to its latest.safetensors when the first one lands.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configuredCheckpointUri } from '../checkpoint_source';
import { formatProgress, formatValues, readLastMetrics, type TrainMetrics } from './metrics';

/** The checkpoint previews used when the run was started (absolute path), or null for a run from scratch. */
export interface PreviewSwitch {
  from: string | null;
}

export interface RunSnapshot {
  out: string;
  text: string;
  tooltip: string;
  step?: number;
  latestSaves: number;
  /** The first save was switched to or offered (once per run). */
  offered: boolean;
  /** What the run told the user (messages and status bar notes), oldest first. */
  notices: string[];
  exitCode?: number;
}

/** Watchers can miss events (network drives, remote hosts); a slow poll backs them up. */
const POLL_MS = 2000;

export class RunMonitor implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('spade.fineTune', vscode.StatusBarAlignment.Left, 10);
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly timer: ReturnType<typeof setInterval>;
  private latestStamp?: string;
  private metrics?: TrainMetrics;
  private queue: Promise<void> = Promise.resolve();
  private latestSaves = 0;
  private offered = false;
  private readonly notices: string[] = [];
  exitCode?: number;

  constructor(
    readonly outDir: string,
    private readonly extensionUri: vscode.Uri,
    private readonly previewSwitch?: PreviewSwitch,
  ) {
    this.item.name = 'SPADE fine-tune';
    this.item.text = `$(sync~spin) SPADE: fine-tune starting…`;
    this.item.tooltip = outDir;
    // A click shows the run's charts and samples.
    this.item.command = { command: 'spade.showTrainingRun', title: 'Show Training Run', arguments: [vscode.Uri.file(outDir)] };
    this.item.show();
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(outDir), '{metrics.jsonl,latest.safetensors}'));
    const kick = () => this.refresh();
    this.watcher.onDidChange(kick);
    this.watcher.onDidCreate(kick);
    this.timer = setInterval(kick, POLL_MS);
    // A resumed run starts with a latest.safetensors already there: only new saves count.
    this.queue = stamp(this.latestPath).then((st) => void (this.latestStamp = st));
  }

  private get latestPath(): string {
    return path.join(this.outDir, 'latest.safetensors');
  }

  /** Serialised: watcher events and the poll may arrive together. */
  refresh(): Promise<void> {
    // A failed look (a file replaced mid-read) is retried by the next event or poll.
    this.queue = this.queue.then(() => this.look()).catch(() => undefined);
    return this.queue;
  }

  private async look(): Promise<void> {
    const m = await readLastMetrics(path.join(this.outDir, 'metrics.jsonl'));
    if (m && this.exitCode === undefined) {
      this.metrics = m;
      this.item.text = `$(sync~spin) ${formatProgress(m)}`;
      this.item.tooltip = `${this.outDir}\n${formatValues(m)}`;
    }
    const s = await stamp(this.latestPath);
    if (s && s !== this.latestStamp) {
      this.latestStamp = s;
      this.latestSaves++;
      await this.onNewLatest(await this.savedStep());
    }
  }

  /** The step of the newest save: numbered step_NNNNNN.safetensors files are written beside latest. */
  private async savedStep(): Promise<number | undefined> {
    let best: number | undefined;
    for (const f of await fs.readdir(this.outDir).catch(() => [] as string[])) {
      const m = /^step_(\d+)\.safetensors$/.exec(f);
      if (m && (best === undefined || Number(m[1]) > best)) best = Number(m[1]);
    }
    return best ?? this.metrics?.step;
  }

  private async onNewLatest(step: number | undefined): Promise<void> {
    const latest = vscode.Uri.file(this.latestPath);
    const shown = vscode.workspace.asRelativePath(latest, false);
    const at = step !== undefined ? ` (step ${step})` : '';
    const current = configuredCheckpointUri(this.extensionUri).fsPath;
    if (samePath(current, latest.fsPath)) {
      // The checkpoint service's watcher reloads the previews; say so where it does not interrupt.
      vscode.window.setStatusBarMessage(this.note(`SPADE: previews reloaded ${shown}${at}`), 8000);
      return;
    }
    if (!this.previewSwitch || this.offered) return;
    this.offered = true;
    const from = this.previewSwitch.from;
    if (from !== null && samePath(current, from)) {
      const previous = vscode.workspace.getConfiguration('spade').inspect<string>('checkpoint')?.workspaceValue;
      await setPreviewCheckpoint(latest.fsPath);
      const back = 'Switch Back';
      void vscode.window.showInformationMessage(this.note(`SPADE: Preview now uses ${shown}${at}`), back).then((a) => {
        if (a === back) void setPreviewCheckpoint(previous);
      });
    } else {
      // The user moved the previews elsewhere meanwhile (or the run has no base): offer, do not take over.
      const use = 'Use in Preview';
      void vscode.window.showInformationMessage(this.note(`SPADE: ${shown} is ready${at}.`), use).then((a) => {
        if (a === use) void setPreviewCheckpoint(latest.fsPath);
      });
    }
  }

  /** The task ended: one last look (the final save may beat the watcher), then the outcome. */
  async end(exitCode: number | undefined): Promise<void> {
    await this.refresh();
    this.exitCode = exitCode ?? -1;
    clearInterval(this.timer);
    this.watcher.dispose();
    const step = this.metrics ? ` · step ${this.metrics.step}/${this.metrics.steps_total}` : '';
    if (exitCode === 0) this.item.text = `$(check) SPADE: fine-tune done${step}`;
    else if (exitCode === 130) this.item.text = `$(debug-stop) SPADE: fine-tune stopped${step}`;
    else this.item.text = `$(error) SPADE: fine-tune failed (exit code ${exitCode ?? 'unknown'})`;
    if (exitCode !== 0 && exitCode !== 130) {
      void vscode.window.showErrorMessage(this.note(`SPADE: fine-tune failed (exit code ${exitCode ?? 'unknown'}); the terminal says why.`));
      return;
    }
    const latest = this.latestPath;
    if (this.offered || !(await stamp(latest)) || samePath(configuredCheckpointUri(this.extensionUri).fsPath, latest)) return;
    this.offered = true;
    const use = 'Use in Preview';
    const what = exitCode === 0 ? 'finished' : 'stopped';
    void vscode.window.showInformationMessage(this.note(`SPADE: fine-tune ${what}: ${vscode.workspace.asRelativePath(latest, false)}.`), use).then((a) => {
      if (a === use) void setPreviewCheckpoint(latest);
    });
  }

  private note(message: string): string {
    this.notices.push(message);
    return message;
  }

  snapshot(): RunSnapshot {
    return {
      out: this.outDir,
      text: this.item.text,
      tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '',
      step: this.metrics?.step,
      latestSaves: this.latestSaves,
      offered: this.offered,
      notices: [...this.notices],
      exitCode: this.exitCode,
    };
  }

  dispose(): void {
    clearInterval(this.timer);
    this.watcher.dispose();
    this.item.dispose();
  }
}

/** Sets `spade.checkpoint` for this workspace, relative to the first folder when it lies inside it. */
export async function setPreviewCheckpoint(file: string | undefined): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let value = file;
  if (file && folder) {
    const rel = path.relative(folder, file);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) value = rel.split(path.sep).join('/');
  }
  await vscode.workspace.getConfiguration('spade').update('checkpoint', value, vscode.ConfigurationTarget.Workspace);
}

export function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

async function stamp(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    return st.size > 0 ? `${st.mtimeMs}:${st.size}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}
