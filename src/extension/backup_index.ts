/**
 * The newest hot-exit backup of each label map, kept beside the backups (spade-backups.json in
 * the extension's workspace storage).
 *
 * Why: VS Code records one backup id per dirty document, and its extension host deletes a
 * document's previous backup file whenever a new one is written. When two backups overlap (a
 * stroke while the last backup is still being written, and the window reloads soon after), the
 * record can name a file that was already deleted as superseded; seen in code-server, where the
 * editor then failed to open and the unsaved strokes were out of reach. The newest backup we
 * wrote is the one the extension host keeps, so a missing backup id is looked up here.
 */
import * as vscode from 'vscode';
import { uriExists } from './uri_exists';
import { writeAtomic } from './fs_atomic';

const INDEX = 'spade-backups.json';
/** Entries kept: one per document, the most recently backed-up ones. */
const MAX_ENTRIES = 200;

type Index = Record<string, string>;

/** Backups finish in any order; index writes go one at a time, in the order they finish. */
let queue: Promise<unknown> = Promise.resolve();

function indexUri(backup: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(backup, '..', INDEX);
}

async function readIndex(file: vscode.Uri): Promise<Index> {
  try {
    const raw: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {}; // none yet, or unreadable: it is only a fallback
  }
}

/** Notes `backup` as the newest backup of `doc`. */
export function recordBackup(doc: vscode.Uri, backup: vscode.Uri): Promise<void> {
  const run = queue.then(async () => {
    const file = indexUri(backup);
    const index = await readIndex(file);
    delete index[doc.toString()]; // re-inserted last: insertion order is recency
    index[doc.toString()] = backup.toString();
    const keys = Object.keys(index);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete index[k];
    await writeAtomic(file, new TextEncoder().encode(JSON.stringify(index, null, 1)));
  });
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The newest backup of `doc` recorded in the folder of `missing` (a backup id VS Code gave us),
 * when it is another file and still exists; else undefined.
 */
export async function newestBackup(doc: vscode.Uri, missing: vscode.Uri): Promise<vscode.Uri | undefined> {
  await queue;
  const recorded = (await readIndex(indexUri(missing)))[doc.toString()];
  if (!recorded || recorded === missing.toString()) return undefined;
  const uri = vscode.Uri.parse(recorded);
  // Only a file in the same backup folder: the index is data, not a pointer to anywhere.
  if (vscode.Uri.joinPath(uri, '..').toString() !== vscode.Uri.joinPath(missing, '..').toString()) return undefined;
  return (await uriExists(uri)) ? uri : undefined;
}
