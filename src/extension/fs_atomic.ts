/**
 * Atomic writes: a temp file beside the target, then a rename, so a crash or a full disk
 * never leaves a half-written label map or export.
 *
 * For file: URIs this uses Node's fs directly. Going through vscode.workspace.fs.rename
 * would report a MOVE to the workbench, which then treats the open editor's file as moved
 * away and leaves the saved custom document dirty (seen in VS Code 1.139). Other schemes
 * (remote and virtual file systems) get their provider's own writeFile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function writeAtomic(target: vscode.Uri, bytes: Uint8Array): Promise<void> {
  if (target.scheme !== 'file') {
    await vscode.workspace.fs.writeFile(target, bytes);
    return;
  }
  const file = target.fsPath;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}
