/**
 * SPADE: Open Sample. The samples ship inside the extension, which must never be written to,
 * so the chosen one is copied (never over an existing file) into the workspace's `spade-samples/`
 * folder, or into the extension's global storage when no folder is open, and opened there.
 */
import * as vscode from 'vscode';
import { uriExists } from './uri_exists';
import { VIEW_TYPES } from './label_editor_provider';

export const SAMPLES_DIR = ['media', 'samples'];

export async function listSamples(extensionUri: vscode.Uri): Promise<string[]> {
  const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(extensionUri, ...SAMPLES_DIR));
  return entries.filter(([n, t]) => t === vscode.FileType.File && n.endsWith('.label.png')).map(([n]) => n).sort();
}

/** Copies `name` (a sample's file name) out and opens it; returns the copy. */
export async function openSample(context: vscode.ExtensionContext, name?: string): Promise<vscode.Uri | undefined> {
  const samples = await listSamples(context.extensionUri);
  const pick = name ?? (await vscode.window.showQuickPick(samples.map((s) => ({ label: s.replace(/\.label\.png$/, ''), description: s, file: s })), {
    title: 'SPADE: Open Sample', placeHolder: 'a label map to paint on',
  }))?.file;
  if (!pick) return undefined;
  if (!samples.includes(pick)) throw new Error(`no sample named ${pick} (there are: ${samples.join(', ')})`);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const dir = folder ? vscode.Uri.joinPath(folder, 'spade-samples') : vscode.Uri.joinPath(context.globalStorageUri, 'samples');
  await vscode.workspace.fs.createDirectory(dir);
  const target = await freeName(dir, pick);
  await vscode.workspace.fs.copy(vscode.Uri.joinPath(context.extensionUri, ...SAMPLES_DIR, pick), target, { overwrite: false });
  await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPES[0]);
  return target;
}

/** lake.label.png, then lake-2.label.png, ...: an earlier copy may hold the user's painting. */
async function freeName(dir: vscode.Uri, file: string): Promise<vscode.Uri> {
  const stem = file.replace(/\.label\.png$/, '');
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(dir, i === 1 ? file : `${stem}-${i}.label.png`);
    if (!(await uriExists(uri))) return uri;
  }
}
