/// <reference types="mocha" />
/**
 * The label-map editor inside a real VS Code extension host: open → stroke → undo/redo →
 * save (bytes on disk hold the expected ids, in the file's own encoding) → reopen, revert,
 * and a reload from disk. Strokes enter through the same validated message path a webview uses.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { decodeLabelMap, encodeLabelMap, type LabelEncoding } from '../../../src/model/io/label_png';
import { LANDSCAPES } from '../../../src/model/io/label_sets';

export const W = 16;
export const H = 8;

export function workspaceUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function writeLabelMap(name: string, encoding: LabelEncoding, fill = 2): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  const ids = new Int32Array(W * H).fill(fill);
  await vscode.workspace.fs.writeFile(uri, encodeLabelMap({ width: W, height: H, ids, encoding }));
  return uri;
}

export async function readIds(uri: vscode.Uri): Promise<{ ids: number[]; encoding: LabelEncoding }> {
  const m = decodeLabelMap(await vscode.workspace.fs.readFile(uri), uri.path);
  return { ids: Array.from(m.ids), encoding: m.encoding };
}

export async function until<T>(
  what: string,
  fn: () => PromiseLike<T | undefined | false> | T | undefined | false,
  ms = 20_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const docIds = (uri: vscode.Uri) => vscode.commands.executeCommand<number[] | undefined>('spade.internal.documentIds', uri);

export function isDirty(uri: vscode.Uri): boolean {
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs)
      if (t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString()) return t.isDirty;
  }
  return false;
}

export async function open(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('spade.openPreview', uri);
  await until('the document to open', () => docIds(uri));
}

export async function stroke(uri: vscode.Uri, indices: number[], value: number): Promise<void> {
  await vscode.commands.executeCommand('spade.internal.webviewMessage', uri, { type: 'stroke', label: 'Brush', indices: Uint32Array.from(indices), value });
}

export async function closeAll(): Promise<void> {
  for (let i = 0; i < 5 && vscode.window.tabGroups.all.some((g) => g.tabs.length); i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

suite('label-map editor', () => {
  // VS Code in a browser auto-saves after a delay by default (desktop does not); these tests
  // follow the desktop flow where a stroke stays dirty until saved.
  suiteSetup(() => vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global));
  teardown(closeAll);

  test('*.label.png opens in the SPADE editor by default; any PNG offers it', async () => {
    const ext = vscode.extensions.getExtension('spade-studio.spade-studio');
    const editors = ext?.packageJSON.contributes.customEditors as {
      viewType: string;
      priority: string;
      selector: { filenamePattern: string }[];
    }[];
    const labelEditors = editors.filter((e) => e.viewType.startsWith('spadeStudio.labelMap'));
    assert.deepStrictEqual(labelEditors.map((e) => e.priority), ['default', 'option']);
    assert.ok(labelEditors[0].selector.some((s) => s.filenamePattern === '*.label.png'));
    const uri = await writeLabelMap('default.label.png', { kind: 'gray', bitDepth: 8 });
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the custom editor', () => docIds(uri));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(tab instanceof vscode.TabInputCustom && tab.viewType === 'spadeStudio.labelMap', 'opened with our editor');
  });

  test('stroke → dirty → undo → redo → save writes the ids in the same encoding → reopen', async () => {
    const uri = await writeLabelMap('edit.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await stroke(uri, [0, 1, 2, W], 5);
    assert.deepStrictEqual((await docIds(uri))!.slice(0, 3), [5, 5, 5]);
    await until('dirty', () => isDirty(uri));

    await vscode.commands.executeCommand('undo');
    await until('undo', async () => (await docIds(uri))![0] === 2);
    await vscode.commands.executeCommand('redo');
    await until('redo', async () => (await docIds(uri))![0] === 5);

    await vscode.commands.executeCommand('workbench.action.files.save');
    await until('saved', () => !isDirty(uri));
    const disk = await readIds(uri);
    const want = new Array(W * H).fill(2);
    for (const i of [0, 1, 2, W]) want[i] = 5;
    assert.deepStrictEqual(disk.ids, want);
    assert.deepStrictEqual(disk.encoding, { kind: 'gray', bitDepth: 8 }, 'grayscale stays grayscale');

    await closeAll();
    await open(uri);
    assert.deepStrictEqual(await docIds(uri), want);
  });

  test('palette PNGs stay palette PNGs on save', async () => {
    const palette: [number, number, number][] = [[0, 0, 0], [10, 20, 30], [200, 0, 0], [0, 200, 0]];
    const uri = await writeLabelMap('pal.label.png', { kind: 'palette', bitDepth: 8, palette });
    await open(uri);
    await stroke(uri, [3], 1);
    await until('dirty', () => isDirty(uri));
    await vscode.commands.executeCommand('workbench.action.files.save');
    await until('saved', () => !isDirty(uri));
    const disk = await readIds(uri);
    assert.strictEqual(disk.ids[3], 1);
    assert.strictEqual(disk.encoding.kind, 'palette');
  });

  test('RGB colour-coded maps (read through the model palette) stay RGB on save', async () => {
    // The bundled model's palette (the landscapes label set): sky, cloud, mountain, snow, ...
    const palette = LANDSCAPES.colors.slice(0, 4).map((c): [number, number, number] => [c[0], c[1], c[2]]);
    const uri = await writeLabelMap('rgb.label.png', { kind: 'rgb', palette });
    await open(uri);
    await stroke(uri, [5, 6], 3);
    await until('dirty', () => isDirty(uri));
    await vscode.commands.executeCommand('workbench.action.files.save');
    await until('saved', () => !isDirty(uri));
    const m = decodeLabelMap(await vscode.workspace.fs.readFile(uri), 'rgb.label.png', { palette });
    assert.strictEqual(m.encoding.kind, 'rgb');
    assert.deepStrictEqual([m.ids[4], m.ids[5], m.ids[6]], [2, 3, 3]);
  });

  test('revert drops unsaved strokes', async () => {
    const uri = await writeLabelMap('revert.label.png', { kind: 'gray', bitDepth: 16 });
    await open(uri);
    await stroke(uri, [7], 4);
    await until('dirty', () => isDirty(uri));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await until('reverted', async () => (await docIds(uri))![7] === 2 && !isDirty(uri));
  });

  test('a file changed on disk while the editor is clean reloads', async () => {
    const uri = await writeLabelMap('disk.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    await writeLabelMap('disk.label.png', { kind: 'gray', bitDepth: 8 }, 6);
    await until('reload from disk', async () => (await docIds(uri))![0] === 6);
  });

  test('malformed webview messages are ignored, never applied', async () => {
    const uri = await writeLabelMap('hostile.label.png', { kind: 'gray', bitDepth: 8 });
    await open(uri);
    const bad = [
      { type: 'stroke', label: 'x', indices: Uint32Array.from([W * H]), value: 1 }, // out of bounds
      { type: 'stroke', label: 'x', indices: Uint32Array.from([3, 1]), value: 1 }, // not increasing
      { type: 'stroke', label: 'x', indices: [1, 2], value: 1 }, // not a typed array
      { type: 'stroke', label: 'x', indices: Uint32Array.from([1]), value: -1 },
      { type: 'nonsense' },
      null,
    ];
    for (const m of bad) await vscode.commands.executeCommand('spade.internal.webviewMessage', uri, m);
    assert.deepStrictEqual(await docIds(uri), new Array(W * H).fill(2));
    assert.ok(!isDirty(uri));
  });
});
