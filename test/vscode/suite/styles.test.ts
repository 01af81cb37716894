/// <reference types="mocha" />
/**
 * The Styles panel's host side inside a real extension host: what the webview asks to save
 * goes through the message validation and the style-file parser before anything is written,
 * and lands atomically next to the mask; interpolation frames are written as PNGs beside it.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { makeConfig } from '../../../src/model/config';
import { LANDSCAPES } from '../../../src/model/io/label_sets';
import { newStyleFile, parseStyleFile, serializeStyleFile, styleCode } from '../../../src/model/io/style_file';
import { until } from './editor.test';

function workspaceUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

const message = (uri: vscode.Uri, m: unknown) => vscode.commands.executeCommand('spade.internal.webviewMessage', uri, m);

suite('Styles panel (host side)', () => {
  let mask: vscode.Uri;
  suiteSetup(async () => {
    mask = workspaceUri('styled.label.png');
    await vscode.workspace.fs.writeFile(mask, encodeLabelMap({ width: 8, height: 8, ids: new Int32Array(64).fill(3), encoding: { kind: 'gray', bitDepth: 8 } }));
    await vscode.commands.executeCommand('spade.openPreview', mask);
    await until('the document to open', () => vscode.commands.executeCommand<number[] | undefined>('spade.internal.documentIds', mask));
  });
  suiteTeardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  test('saveStyleSet writes <stem>.spade-style.json next to the mask; an invalid set writes nothing', async () => {
    const target = workspaceUri('styled.spade-style.json');
    const cfg = makeConfig({ label_nc: 11, contain_dontcare_label: true, use_vae: true, z_dim: 3 }, 'test');
    const bad = serializeStyleFile(newStyleFile(cfg, LANDSCAPES, 'm', [styleCode('a', 'a.png', [1, 2, 3], [0, 0, 0])])).replace('"z_dim": 3', '"z_dim": 4');
    await message(mask, { type: 'saveStyleSet', text: bad });
    assert.strictEqual(await exists(target), false, 'z_dim 4 with 3-value codes is refused');

    const text = serializeStyleFile(newStyleFile(cfg, LANDSCAPES, 'm', [styleCode('a', 'a.png', [1, 2, 3], [0, -1, 0.5]), styleCode('b', 'b.jpg', [3, 2, 1], [0, 0, 0])]));
    await message(mask, { type: 'saveStyleSet', text });
    await until('the style set on disk', () => exists(target));
    const disk = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    assert.strictEqual(disk, text);
    assert.deepStrictEqual(parseStyleFile(disk, 'disk').styles.map((s) => s.name), ['a', 'b']);
    const names = (await vscode.workspace.fs.readDirectory(workspaceUri('.'))).map(([n]) => n);
    assert.ok(!names.some((n) => n.endsWith('.tmp')), `no temp files left: ${names}`);
  });

  test('exportFrames writes numbered PNGs beside the mask; a label with a path in it is ignored', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await message(mask, { type: 'exportFrames', label: '../escape', pngs: [png] });
    await message(mask, { type: 'exportFrames', label: 'interp', pngs: [png, png, png], apng: png });
    for (const k of [0, 1, 2]) await until(`frame ${k}`, () => exists(workspaceUri(`styled.interp_${k}.png`)));
    await until('the animation', () => exists(workspaceUri('styled.interp_anim.png')));
    assert.strictEqual(await exists(workspaceUri('escape_0.png')), false);
    assert.strictEqual(await exists(workspaceUri('../escape_0.png')), false);
  });

  test('SPADE: Compare Style Encodings is contributed and runs on the open editor', async () => {
    const ext = vscode.extensions.getExtension('spade-studio.spade-studio');
    const cmds = (ext?.packageJSON.contributes.commands as { command: string; title: string }[]).map((c) => `${c.command}:${c.title}`);
    assert.ok(cmds.includes('spade.compareStyles:Compare Style Encodings'), cmds.join(', '));
    await vscode.commands.executeCommand('spade.compareStyles', { uri: mask });
  });
});
