/**
 * A run view: one webview showing one or more run folders (compare runs) on shared charts.
 * Each run is followed by a TrackedRun; after each update the view gets the run's series,
 * bucketed to MAX_POINTS points a line. The webview says what it drew (`shown`), which the
 * integration tests read through `snapshot()`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { makeNonce } from '../webview_html';
import { MAX_POINTS, parseRunViewMessage, type RunSeriesMessage, type RunViewHostToWebview } from '../../shared/run_view_protocol';
import { TrackedRun } from './tracked_run';

/** What the webview reported drawing for one run, newest last (capped). */
export interface ShownRecord {
  rows: number;
  lastStep: number | null;
  samples: number;
}

export interface RunViewSnapshot {
  runs: { id: number; dir: string; rowsRead: number; shown: ShownRecord[] }[];
}

const MAX_SHOWN = 200;

export class RunView implements vscode.Disposable {
  private readonly runs: TrackedRun[] = [];
  private readonly shown = new Map<number, ShownRecord[]>();
  private nextId = 0;
  private ready = false;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly pickRuns: () => Promise<string[]>,
    private readonly log: vscode.OutputChannel,
    private readonly onDispose: (view: RunView) => void,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: this.roots() };
    panel.webview.html = runViewHtml(panel.webview, extensionUri);
    this.subs.push(
      panel.webview.onDidReceiveMessage((m) => this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get dirs(): string[] {
    return this.runs.map((r) => r.dir);
  }

  /** Adds run folders not shown yet; returns how many were new. */
  add(dirs: readonly string[]): number {
    let added = 0;
    for (const d of dirs) {
      const dir = path.resolve(d);
      if (this.runs.some((r) => r.dir === dir)) continue;
      const run = new TrackedRun(this.nextId++, dir, (r) => this.post(this.message(r)));
      this.runs.push(run);
      added++;
      void run.refresh();
    }
    if (added) {
      const names = this.runs.map((r) => path.basename(r.dir));
      this.panel.title = names.length === 1 ? `Run: ${names[0]}` : `Runs: ${names.join(', ')}`;
      // Samples load as webview resources: every run folder must be a root. A new root may reload
      // the page, which then says `ready` again and gets every run afresh.
      const roots = this.roots();
      const known = new Set((this.panel.webview.options.localResourceRoots ?? []).map((u) => u.toString()));
      if (roots.some((u) => !known.has(u.toString()))) {
        this.panel.webview.options = { ...this.panel.webview.options, localResourceRoots: roots };
      }
    }
    return added;
  }

  private roots(): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media'), ...this.runs.map((r) => vscode.Uri.file(r.dir))];
  }

  private message(run: TrackedRun): RunSeriesMessage {
    const b = run.series.bucketed(MAX_POINTS);
    return {
      type: 'run',
      id: run.id,
      name: run.name,
      rows: run.series.rows,
      bucket: b.bucket,
      steps: b.steps,
      values: b.values,
      progress: run.series.progress,
      samples: run.samples.map((s) => ({
        step: s.step,
        uri: this.panel.webview.asWebviewUri(vscode.Uri.file(path.join(run.dir, s.file))).toString(),
      })),
      note: run.note,
    };
  }

  private post(m: RunViewHostToWebview): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(m);
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseRunViewMessage(raw);
    if (!m) {
      this.log.appendLine(`SPADE run view: ignored a malformed message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const r of this.runs) this.post(this.message(r));
        return;
      case 'addRuns':
        this.add(await this.pickRuns());
        return;
      case 'removeRun': {
        const i = this.runs.findIndex((r) => r.id === m.id);
        if (i < 0 || this.runs.length === 1) return; // the view keeps its last run
        this.runs[i].dispose();
        this.runs.splice(i, 1);
        this.post({ type: 'removed', id: m.id });
        return;
      }
      case 'shown':
        for (const r of m.runs) {
          const list = this.shown.get(r.id) ?? [];
          const last = list[list.length - 1];
          const same = last && last.rows === r.rows && last.lastStep === r.lastStep && last.samples === r.samples;
          if (!same) list.push({ rows: r.rows, lastStep: r.lastStep, samples: r.samples });
          if (list.length > MAX_SHOWN) list.shift();
          this.shown.set(r.id, list);
        }
        return;
    }
  }

  snapshot(): RunViewSnapshot {
    return {
      runs: this.runs.map((r) => ({ id: r.id, dir: r.dir, rowsRead: r.series.rows, shown: [...(this.shown.get(r.id) ?? [])] })),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.runs) r.dispose();
    for (const s of this.subs) s.dispose();
    this.onDispose(this);
  }
}

/** The page: a strict CSP with a nonce; the script and stylesheet come from the extension. */
function runViewHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = makeNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'run_view.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'run_view.css'));
  const src = webview.cspSource;
  const csp = ["default-src 'none'", `img-src ${src}`, `style-src ${src}`, `font-src ${src}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>SPADE Training Run</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
