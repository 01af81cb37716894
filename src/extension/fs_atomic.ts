/** Atomic writes through vscode.workspace.fs: a temp file beside the target, then a rename. */
import * as vscode from 'vscode';

export async function writeAtomic(target: vscode.Uri, bytes: Uint8Array): Promise<void> {
  const dir = vscode.Uri.joinPath(target, '..');
  const name = target.path.split('/').pop() ?? 'file';
  const tmp = vscode.Uri.joinPath(dir, `.${name}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  await vscode.workspace.fs.writeFile(tmp, bytes);
  try {
    await vscode.workspace.fs.rename(tmp, target, { overwrite: true });
  } catch (e) {
    try {
      await vscode.workspace.fs.delete(tmp);
    } catch {
      // nothing to clean
    }
    throw e;
  }
}
