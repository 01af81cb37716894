/// <reference types="mocha" />
/**
 * Faults around an open label map, in a real extension host: the file changes on disk or is
 * deleted while the user has unsaved strokes, a save cannot be written, and hot-exit backups.
 * What is checked is what the user would see: the strokes, the bytes on disk, the dirty marker
 * and the notice the editor showed (recorded by the host and read through previewStatus).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { uriExists } from '../../../src/extension/uri_exists';
import { W, H, closeAll, docIds, isDirty, open, readIds, stroke, until, workspaceUri, writeLabelMap } from './editor.test';
import { encodeLabelMap } from '../../../src/model/io/label_png';

interface Status {
  notices: string[];
  backups: { file: string; id: string }[];
}
const status = () => vscode.commands.executeCommand<Status>('spade.internal.previewStatus');

/** Waits for a notice matching `re` that came after `since` notices. */
async function noticeAfter(since: number, re: RegExp): Promise<string> {
  return until(`a notice matching ${re}`, async () => (await status()).notices.slice(since).find((n) => re.test(n)));
}

/** The ids after a stroke of `value` at `indices` on a map filled with 2. */
function stroked(indices: number[], value: number): number[] {
  const ids = new Array(W * H).fill(2);
  for (const i of indices) ids[i] = value;
  return ids;
}

suite('label-map editor faults', () => {
  suiteSetup(() => vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global));
  teardown(closeAll);

  test('changed on disk while dirty: strokes kept, the file not overwritten, the user told', async () => {
    const uri = await writeLabelMap('conflict.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [0, 1], 5);
    await until('dirty', () => isDirty(uri));
    const since = (await status()).notices.length;
    await writeLabelMap('conflict.label.png', { kind: 'gray', bitDepth: 8 }, 6); // another program
    const notice = await noticeAfter(since, /conflict\.label\.png changed on disk while you have unsaved strokes/);
    assert.match(notice, /Nothing was overwritten/);
    assert.deepStrictEqual(await docIds(uri), stroked([0, 1], 5), 'the strokes are kept');
    assert.ok(isDirty(uri), 'still dirty');
    assert.deepStrictEqual((await readIds(uri)).ids, new Array(W * H).fill(6), 'the other program\'s file is untouched');
  });

  test('changed on disk while dirty, the user picks "Reload from disk": the disk version, clean', async () => {
    const uri = await writeLabelMap('reload.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [0], 5);
    await until('dirty', () => isDirty(uri));
    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Reload from disk');
    await writeLabelMap('reload.label.png', { kind: 'gray', bitDepth: 8 }, 6);
    await until('the disk version, not dirty', async () => (await docIds(uri))!.every((v) => v === 6) && !isDirty(uri));
    assert.deepStrictEqual((await readIds(uri)).ids, new Array(W * H).fill(6));
  });

  test('deleted while open: strokes kept, the user told, saving writes the file back', async () => {
    const uri = await writeLabelMap('deleted.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [3], 4);
    await until('dirty', () => isDirty(uri));
    const since = (await status()).notices.length;
    await vscode.workspace.fs.delete(uri);
    await noticeAfter(since, /deleted\.label\.png was deleted on disk.*save to write it back/);
    assert.deepStrictEqual(await docIds(uri), stroked([3], 4));
    await vscode.commands.executeCommand('workbench.action.files.save');
    await until('saved back', async () => (await uriExists(uri)) && !isDirty(uri));
    assert.deepStrictEqual((await readIds(uri)).ids, stroked([3], 4));
  });

  test('save-as where the folder is a file: a clear error, nothing written, still dirty', async () => {
    const uri = await writeLabelMap('saveas.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [2], 3);
    await until('dirty', () => isDirty(uri));
    const target = vscode.Uri.joinPath(uri, 'x.label.png'); // its "folder" is the PNG itself
    const message = await vscode.commands.executeCommand<string | null>('spade.internal.saveAs', uri, target);
    assert.strictEqual(message, `${target.fsPath}: cannot save here: a part of the path is a file, not a folder (ENOTDIR)`);
    assert.ok(isDirty(uri));
    assert.deepStrictEqual(await docIds(uri), stroked([2], 3));
    assert.deepStrictEqual((await readIds(uri)).ids, new Array(W * H).fill(2), 'the file itself is untouched');
  });

  test('save where a folder now stands: VS Code reports the error and the document stays dirty', async () => {
    const uri = await writeLabelMap('blocked.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [4], 1);
    await until('dirty', () => isDirty(uri));
    await vscode.workspace.fs.delete(uri);
    await vscode.workspace.fs.createDirectory(uri); // fails a rename even for root
    const since = (await status()).notices.length;
    await vscode.commands.executeCommand('workbench.action.files.save');
    await noticeAfter(since, /blocked\.label\.png: cannot save here: a folder is in the way \(EISDIR\)/);
    assert.ok(isDirty(uri), 'still dirty after the failed save');
    assert.deepStrictEqual(await docIds(uri), stroked([4], 1));
    // Put a file back so the teardown's revert has something to read.
    await vscode.workspace.fs.delete(uri, { recursive: true });
    await writeLabelMap('blocked.label.png', { kind: 'gray', bitDepth: 8 });
  });

  test('hot exit: VS Code backs up the unsaved strokes and a document opened from the backup has them', async () => {
    const uri = await writeLabelMap('backup.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [5, 6], 7);
    await until('dirty', () => isDirty(uri));
    // VS Code's own backup tracker calls backupCustomDocument for a dirty document after a short delay.
    const backup = await until('VS Code to back up the document', async () => (await status()).backups.filter((b) => b.file === uri.toString()).pop(), 30_000);
    assert.ok(await uriExists(vscode.Uri.parse(backup.id)), 'the backup file exists');
    const restored = await vscode.commands.executeCommand<number[]>('spade.internal.openBackup', uri, backup.id);
    assert.deepStrictEqual(restored, stroked([5, 6], 7), 'restored from the backup, not from disk');
    assert.deepStrictEqual((await readIds(uri)).ids, new Array(W * H).fill(2), 'disk still has the saved file');
  });

  test('hot exit when the backup VS Code names is gone (it was superseded): the newest backup restores the strokes', async () => {
    const uri = await writeLabelMap('superseded.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    const backupsOf = async () => (await status()).backups.filter((b) => b.file === uri.toString());
    await stroke(uri, [1], 3);
    const first = await until('a first backup', async () => (await backupsOf()).pop(), 30_000);
    await stroke(uri, [2], 4);
    const second = await until('a second backup', async () => (await backupsOf()).find((b) => b.id !== first.id), 30_000);
    // VS Code's extension host deletes a document's previous backup when it writes the next.
    await until('the first backup file to be deleted', async () => !(await uriExists(vscode.Uri.parse(first.id))));
    const since = (await status()).notices.length;
    const restored = await vscode.commands.executeCommand<number[]>('spade.internal.openBackup', uri, first.id);
    const want = new Array(W * H).fill(2);
    want[1] = 3;
    want[2] = 4;
    assert.deepStrictEqual(restored, want, 'both strokes, from the newest backup');
    await noticeAfter(since, /superseded\.label\.png: restored the unsaved strokes from the newest backup/);

    // With every backup gone, the file opens as saved, and the user is told.
    await vscode.workspace.fs.delete(vscode.Uri.parse(second.id));
    const again = (await status()).notices.length;
    const fromDisk = await vscode.commands.executeCommand<number[]>('spade.internal.openBackup', uri, first.id);
    assert.deepStrictEqual(fromDisk, new Array(W * H).fill(2));
    await noticeAfter(again, /superseded\.label\.png: the hot-exit backup of the unsaved strokes is missing; opened the file as saved on disk/);
  });

  test('ids the model has no channel for: the editor names them and their pixels, and "Treat as dontcare" is an edit undo takes back', async () => {
    // The bundled model: the landscapes set, 11 classes + dontcare (255).
    const ids = new Int32Array(W * H).fill(2);
    for (const i of [0, 1, 2]) ids[i] = 20;
    ids[W] = 300;
    const uri = workspaceUri('foreign.label.png');
    await vscode.workspace.fs.writeFile(uri, encodeLabelMap({ width: W, height: H, ids, encoding: { kind: 'gray', bitDepth: 16 } }));
    const since = (await status()).notices.length;
    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Treat as dontcare');
    await open(uri);
    const notice = await noticeAfter(since, /foreign\.label\.png: label ids outside/);
    assert.strictEqual(notice, "SPADE: foreign.label.png: label ids outside the model's 12 classes: 20 (3 px), 300 (1 px); 4 pixels in all. Paint them as dontcare (an edit you can undo)?");
    const painted = Array.from(ids);
    for (const i of [0, 1, 2, W]) painted[i] = 255;
    await until('the unknown ids painted as dontcare', async () => JSON.stringify(await docIds(uri)) === JSON.stringify(painted));
    await until('dirty', () => isDirty(uri));
    assert.deepStrictEqual((await readIds(uri)).ids, Array.from(ids), 'nothing reaches the file before a save');
    await vscode.commands.executeCommand('undo');
    await until('undo brings the ids back', async () => JSON.stringify(await docIds(uri)) === JSON.stringify(Array.from(ids)));
    // Reopened and declined: asked again (a new document), and nothing changes.
    await closeAll();
    const again = (await status()).notices.length;
    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'no');
    await open(uri);
    await noticeAfter(again, /foreign\.label\.png: label ids outside/);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepStrictEqual(await docIds(uri), Array.from(ids));
    assert.ok(!isDirty(uri));
  });
});
