/**
 * The questions SPADE: Fine-tune asks, one QuickPick or InputBox each, pre-filled with the
 * previous answers. Each returns undefined when the user cancels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const TOTAL = 5;
const title = (n: number, what: string) => `SPADE: Fine-tune (${n}/${TOTAL}): ${what}`;

interface Item<T> extends vscode.QuickPickItem {
  value: T | 'browse' | 'generate';
}

const isDataset = (dir: string) => fs.existsSync(path.join(dir, 'images')) && fs.existsSync(path.join(dir, 'labels'));

/** Folders in the workspace laid out as datasets (images/ + labels/), for the first question. */
async function datasetCandidates(): Promise<string[]> {
  const labels = await vscode.workspace.findFiles('**/labels/*.png', '**/node_modules/**', 500);
  const dirs = new Set(labels.map((u) => path.dirname(path.dirname(u.fsPath))));
  return [...dirs].filter(isDataset).sort().slice(0, 20);
}

/** `generate`: offered when the workspace holds no dataset; makes one and answers its folder. */
export async function pickDataset(
  last: string | undefined,
  generate?: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const found = await datasetCandidates();
  const items: Item<string>[] = [];
  if (generate && !found.length) {
    items.push({ label: '$(sparkle) Generate a sample dataset', description: 'procedural landscapes, made on this machine', value: 'generate' });
  }
  if (last && fs.existsSync(last)) items.push({ label: `$(history) ${vscode.workspace.asRelativePath(last, false)}`, description: 'last used', value: last });
  for (const d of found) if (d !== last) items.push({ label: `$(folder) ${vscode.workspace.asRelativePath(d, false)}`, description: 'images/ + labels/', value: d });
  items.push({ label: '$(folder-opened) Browse…', value: 'browse' });
  const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: title(1, 'dataset folder'), placeHolder: 'A folder with images/ and labels/ (and optional instances/), paired by file name' });
  if (!picked) return undefined;
  if (picked.value === 'generate') return generate?.();
  if (picked.value !== 'browse') return picked.value;
  const chosen = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title: title(1, 'dataset folder (images/ + labels/)') });
  return chosen?.[0]?.fsPath;
}

/** null: train from scratch. */
export async function pickCheckpoint(current: string, last: string | null | undefined): Promise<string | null | undefined> {
  const items: Item<string | null>[] = [{ label: `$(preview) ${path.basename(current)}`, description: 'the preview\'s current checkpoint', detail: current, value: current }];
  if (last && last !== current && fs.existsSync(last)) items.push({ label: `$(history) ${path.basename(last)}`, description: 'last used', detail: last, value: last });
  items.push({ label: '$(file) Browse…', description: '.safetensors, or an NVlabs .pth with opt.txt beside it', value: 'browse' });
  items.push({ label: '$(circle-slash) No checkpoint', description: 'train from scratch', value: null });
  const picked = await vscode.window.showQuickPick(items, { title: title(2, 'base checkpoint') });
  if (!picked) return undefined;
  if (picked.value !== 'browse') return picked.value;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Checkpoints: ['safetensors', 'pth'] }, title: title(2, 'base checkpoint') });
  return chosen?.[0]?.fsPath;
}

export async function askCount(step: number, what: string, prompt: string, value: number): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title: title(step, what),
    prompt,
    value: String(value),
    validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) && Number.isSafeInteger(Number(v)) ? undefined : 'a positive whole number'),
  });
  return answer === undefined ? undefined : Number(answer.trim());
}

/** The run folder, relative to the workspace folder or absolute; a folder holding a run may be resumed. */
export async function askOut(folder: string, suggestion: string): Promise<{ out: string; resume: boolean } | undefined> {
  let value = suggestion;
  for (;;) {
    const answer = await vscode.window.showInputBox({
      title: title(5, 'output folder'),
      prompt: 'Checkpoints, samples and metrics.jsonl go here (relative to the workspace folder, or absolute)',
      value,
      validateInput: (v) => (v.trim() ? undefined : 'a folder path'),
    });
    if (answer === undefined) return undefined;
    const out = path.resolve(folder, answer.trim());
    if (!fs.existsSync(path.join(out, 'latest.safetensors'))) return { out, resume: false };
    const resume = await vscode.window.showQuickPick(
      [
        { label: '$(debug-continue) Resume this run', description: '--resume: continue from its latest.safetensors', value: true },
        { label: '$(edit) Choose another folder', value: false },
      ],
      { title: title(5, `${answer.trim()} already holds a run`) },
    );
    if (!resume) return undefined;
    if (resume.value) return { out, resume: true };
    value = answer;
  }
}

/** `runs/<dataset>-<n>`: the first that does not exist yet. */
export function suggestOut(folder: string, data: string): string {
  const base = path.basename(data).replace(/[^\w.-]+/g, '_') || 'run';
  for (let n = 1; ; n++) {
    const rel = `runs/${base}-${n}`;
    if (!fs.existsSync(path.join(folder, rel))) return rel;
  }
}
