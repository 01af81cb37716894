/**
 * SPADE: Generate a Sample Dataset. A first fine-tune needs images and label maps; a workspace
 * without any gets a small procedural one from the CLI (`spade dataset landscapes`), made on
 * this machine, so trying fine-tuning needs no download.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NodeRuntime } from './runtime';

/** Enough pairs for a short run to show the loss falling, few enough to make in seconds. */
export const SAMPLE_COUNT = 24;
export const SAMPLE_SIZE = 128;

export interface SampleDatasetDeps {
  cliPath: string;
  runtime(): Promise<NodeRuntime>;
  log: vscode.OutputChannel;
}

/** Writes the dataset into a new folder of the first workspace folder; returns it, or undefined. */
export async function generateSampleDataset(deps: SampleDatasetDeps, name = 'spade-dataset'): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || !vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('SPADE: open a trusted folder first; the dataset is written into it.');
    return undefined;
  }
  let out = path.join(folder.uri.fsPath, name);
  for (let i = 2; fs.existsSync(out); i++) out = path.join(folder.uri.fsPath, `${name}-${i}`);
  const runtime = await deps.runtime();
  const argv = [deps.cliPath, 'dataset', 'landscapes', '--count', String(SAMPLE_COUNT), '--size', String(SAMPLE_SIZE), '--out', out];
  deps.log.appendLine(`sample dataset: ${runtime.command} ${argv.map((a) => JSON.stringify(a)).join(' ')}`);
  const title = `SPADE: generating ${SAMPLE_COUNT} landscapes in ${path.basename(out)}…`;
  const progress = { location: vscode.ProgressLocation.Notification, title };
  const error = await vscode.window.withProgress(progress, () => run(runtime, argv, folder.uri.fsPath));
  if (error) {
    deps.log.appendLine(error);
    void vscode.window.showErrorMessage(`SPADE: could not generate the dataset: ${error.split('\n')[0]}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`SPADE: wrote ${SAMPLE_COUNT} image and label-map pairs to ${path.basename(out)}/`);
  return out;
}

function run(runtime: NodeRuntime, argv: string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    const opts = { cwd, env: { ...process.env, ...runtime.env }, windowsHide: true };
    execFile(runtime.command, argv, opts, (err, _stdout, stderr) => resolve(err ? `${err.message}\n${stderr}` : null));
  });
}
