/**
 * Where a preview's page fetches the model from. Posting the bytes to each page was the largest
 * wait of an open after the frame itself (the message path copies them several times); a page
 * fetches a webview resource instead. The bundled model is served where it ships; any other
 * checkpoint's preview bytes (a user's file, a run folder's G, a training checkpoint without its
 * D) are written once to a cache folder under the extension's global storage, named by content,
 * so that webviews need no access to the folders checkpoints live in.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeAtomic } from './fs_atomic';

/** Cached copies unused for this long are removed when another is written. */
const STALE_MS = 24 * 3600 * 1000;

export function previewCacheDir(globalStorage: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(globalStorage, 'preview-models');
}

/**
 * The file holding exactly `bytes`: `source` itself when given (the bytes are that file's whole
 * contents) and it lies in `servedDir` (the extension's own folder), else a cached copy in `cacheDir`.
 */
export async function previewModelFile(
  bytes: Uint8Array,
  source: vscode.Uri | undefined,
  servedDir: vscode.Uri,
  cacheDir: vscode.Uri,
): Promise<vscode.Uri> {
  if (source?.scheme === 'file' && isInside(source.fsPath, servedDir.fsPath)) return source;
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.bin`;
  const file = vscode.Uri.joinPath(cacheDir, name);
  await fs.promises.mkdir(cacheDir.fsPath, { recursive: true });
  if (sameSize(file.fsPath, bytes.byteLength)) {
    // In use again: keep it from being pruned as stale.
    const now = new Date();
    await fs.promises.utimes(file.fsPath, now, now).catch(() => undefined);
  } else {
    await writeAtomic(file, bytes);
    await pruneStale(cacheDir.fsPath, name);
  }
  return file;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function sameSize(file: string, size: number): boolean {
  try {
    return fs.statSync(file).size === size;
  } catch {
    return false;
  }
}

async function pruneStale(dir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const f of await fs.promises.readdir(dir).catch(() => [] as string[])) {
    if (f === keep || !f.endsWith('.bin')) continue;
    const p = path.join(dir, f);
    const st = await fs.promises.stat(p).catch(() => undefined);
    if (st && now - st.mtimeMs > STALE_MS) await fs.promises.rm(p, { force: true });
  }
}
