/**
 * Wires the run view into VS Code: the read-only custom editor for metrics.jsonl, "SPADE: Show
 * Training Run" and "SPADE: Compare Training Runs", and a status command for the tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UserDialogs } from '../user_dialogs';
import { RunView, type RunViewSnapshot } from './run_view';

export const RUN_VIEW_TYPE = 'spadeStudio.trainingRun';

export function registerRunView(context: vscode.ExtensionContext, dialogs: UserDialogs, log: vscode.OutputChannel): void {
  const views = new Set<RunView>();
  const open = (panel: vscode.WebviewPanel, dirs: string[]): RunView => {
    const view = new RunView(panel, context.extensionUri, () => pickRunFolders(dialogs, true), log, (v) => views.delete(v));
    views.add(view);
    view.add(dirs);
    return view;
  };
  const newPanel = (dirs: string[]) =>
    open(vscode.window.createWebviewPanel(RUN_VIEW_TYPE, 'SPADE Training Run', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true }), dirs);

  const provider: vscode.CustomReadonlyEditorProvider = {
    openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
    resolveCustomEditor: (doc, panel) => void open(panel, [path.dirname(doc.uri.fsPath)]),
  };

  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(RUN_VIEW_TYPE, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    // From the palette (asks), the status bar's fine-tune item (a folder) and the Explorer (metrics.jsonl).
    vscode.commands.registerCommand('spade.showTrainingRun', async (arg?: unknown) => {
      const given = runDirOf(arg);
      const dirs = given ? [given] : await pickRunFolders(dialogs, false);
      if (!dirs.length) return undefined;
      const existing = [...views].find((v) => v.dirs.length === 1 && v.dirs[0] === path.resolve(dirs[0]));
      if (existing) existing.panel.reveal();
      else newPanel(dirs);
      return dirs[0];
    }),
    // The Explorer passes the clicked item and the whole selection.
    vscode.commands.registerCommand('spade.compareTrainingRuns', async (arg?: unknown, all?: unknown) => {
      const given = (Array.isArray(all) ? all : arg !== undefined ? [arg] : []).map(runDirOf).filter((d): d is string => !!d);
      const dirs = given.length >= 2 ? given : [...new Set([...given, ...(await pickRunFolders(dialogs, true))])];
      if (!dirs.length) return undefined;
      newPanel(dirs);
      return dirs;
    }),
    vscode.commands.registerCommand('spade.internal.runViewStatus', (): RunViewSnapshot[] => [...views].map((v) => v.snapshot())),
    { dispose: () => [...views].forEach((v) => v.dispose()) },
  );
}

/** A run folder from a command argument: the folder itself, or its metrics.jsonl. */
function runDirOf(arg: unknown): string | undefined {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  if (!uri || uri.scheme !== 'file') return undefined;
  return path.basename(uri.fsPath) === 'metrics.jsonl' ? path.dirname(uri.fsPath) : uri.fsPath;
}

/**
 * Asks for run folders: the workspace's folders that hold a metrics.jsonl, newest first, or any
 * folder through the open dialog. Queued test picks stand in for the user.
 */
async function pickRunFolders(dialogs: UserDialogs, many: boolean): Promise<string[]> {
  const queued = dialogs.hooks.picks.splice(0);
  if (queued.length) return queued.map((u) => u.fsPath);
  const found = await vscode.workspace.findFiles('**/metrics.jsonl', '**/node_modules/**', 200);
  const mtime = (file: string) => {
    try {
      return fs.statSync(file).mtimeMs;
    } catch {
      return 0;
    }
  };
  // Each file stat'ed once, not once per comparison.
  const dirs = found
    .map((u) => ({ dir: path.dirname(u.fsPath), at: mtime(u.fsPath) }))
    .sort((a, b) => b.at - a.at)
    .map((r) => r.dir);
  const browse = '$(folder-opened) Browse…';
  const items: vscode.QuickPickItem[] = [
    ...dirs.map((d) => ({ label: vscode.workspace.asRelativePath(vscode.Uri.file(d), false), description: d })),
    { label: browse, alwaysShow: true },
  ];
  const title = many ? 'SPADE: runs to compare' : 'SPADE: training run to show';
  const picked = many
    ? await vscode.window.showQuickPick(items, { title, canPickMany: true, placeHolder: 'Run folders (with metrics.jsonl)' })
    : await vscode.window.showQuickPick(items, { title, placeHolder: 'A run folder (with metrics.jsonl)' }).then((p) => (p ? [p] : undefined));
  if (!picked?.length) return [];
  const chosen = picked.filter((p) => p.label !== browse).map((p) => p.description!);
  if (picked.some((p) => p.label === browse)) {
    const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: many, openLabel: 'Show Run' });
    for (const u of uris ?? []) chosen.push(u.fsPath);
  }
  return chosen;
}
