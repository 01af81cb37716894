/// <reference types="mocha" />
/**
 * Where people look for SPADE's actions, in a real extension host: the manifest's menus, when
 * clauses, keybindings and activation events as this VS Code loaded them, and the commands
 * behind them run the way a menu runs them (with the resource's URI as their argument).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { closeAll, docIds, until, workspaceUri } from './editor.test';

const EXTENSION_ID = 'spade-studio.spade-studio';
const SPADE_ACTIVE = /activeCustomEditorId == spadeStudio\.labelMap\b/;

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; icon?: string }[];
    customEditors: { viewType: string }[];
    menus: Record<string, MenuItem[]>;
    keybindings: { command: string; key: string; when: string }[];
    walkthroughs: { id: string; steps: { id: string; description: string; completionEvents?: string[] }[] }[];
    taskDefinitions: { type: string }[];
  };
}

const panelOf = async (uri: vscode.Uri) =>
  (await vscode.commands.executeCommand<{ panels: { file: string; frames?: number }[] }>('spade.internal.previewStatus')).panels
    .find((p) => p.file === uri.toString());
const manifest = () => vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
const menu = (where: string, command: string) => manifest().contributes.menus[where]?.find((m) => m.command === command);

async function writePlainPng(name: string): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  const ids = new Int32Array(16 * 8).fill(2);
  await vscode.workspace.fs.writeFile(uri, encodeLabelMap({ width: 16, height: 8, ids, encoding: { kind: 'gray', bitDepth: 8 } }));
  return uri;
}

function activeCustomEditor(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

describe('actions where people look', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  it('puts Export, Styles, Select Checkpoint and Fine-tune on the title bar of a SPADE editor only, with icons', () => {
    const icons = new Map(manifest().contributes.commands.map((c) => [c.command, c.icon]));
    for (const id of ['spade.exportImage', 'spade.compareStyles', 'spade.selectCheckpoint', 'spade.fineTune']) {
      const item = menu('editor/title', id);
      assert.ok(item, `${id} is on editor/title`);
      assert.match(item.when ?? '', SPADE_ACTIVE, `${id} shows only while a SPADE editor is active`);
      assert.match(item.group ?? '', /^navigation/, `${id} is a button, not in the overflow menu`);
      assert.match(icons.get(id) ?? '', /^\$\([a-z-]+\)$/, `${id} has a codicon`);
    }
  });

  it('offers "Open with SPADE" on PNG files and "Fine-tune on this Folder" on folders in the Explorer', () => {
    const openWith = menu('explorer/context', 'spade.openWithSpade');
    assert.match(openWith?.when ?? '', /resourceExtname == \.png/);
    assert.match(openWith?.when ?? '', /!explorerResourceIsFolder/);
    const fineTune = menu('explorer/context', 'spade.fineTuneFolder');
    assert.match(fineTune?.when ?? '', /(^|[^!])explorerResourceIsFolder/);
    assert.match(fineTune?.when ?? '', /isWorkspaceTrusted/);
  });

  it('lists in the Command Palette only the commands that work there', () => {
    const palette = new Map((manifest().contributes.menus.commandPalette ?? []).map((m) => [m.command, m.when ?? '']));
    for (const id of ['spade.exportImage', 'spade.compareStyles', 'spade.tool.brush', 'spade.brush.larger']) {
      assert.match(palette.get(id) ?? '', SPADE_ACTIVE, `${id} needs a SPADE editor`);
    }
    for (const id of ['spade.openWithSpade', 'spade.fineTuneFolder', 'spade.paintHere']) assert.equal(palette.get(id), 'false', `${id} needs its menu's argument`);
    assert.match(palette.get('spade.fineTune') ?? '', /isWorkspaceTrusted && workspaceFolderCount > 0/);
  });

  it('binds the tool keys to commands scoped to the SPADE editor', async () => {
    const keys = manifest().contributes.keybindings;
    assert.deepEqual(keys.map((k) => k.key).sort(), ['[', ']', 'a', 'b', 'e', 'f', 'i', 'l', 'p', 'r']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const k of keys) {
      assert.match(k.when, SPADE_ACTIVE, `${k.key} works only in a SPADE editor`);
      assert.match(k.when, /!inputFocus/, `${k.key} leaves VS Code's own text fields alone`);
      assert.ok(registered.has(k.command), `${k.command} is registered`);
    }
  });

  it('activates on its task type, its editors, every command and its walkthrough', () => {
    const m = manifest();
    const events = new Set(m.activationEvents);
    const wanted = [
      ...m.contributes.taskDefinitions.map((t) => `onTaskType:${t.type}`),
      ...m.contributes.customEditors.map((e) => `onCustomEditor:${e.viewType}`),
      ...m.contributes.commands.map((c) => `onCommand:${c.command}`),
      ...m.contributes.walkthroughs.map((w) => `onWalkthrough:${w.id}`),
    ];
    assert.deepEqual(wanted.filter((e) => !events.has(e)), []);
  });

  it('gives every walkthrough step a button whose command exists and an event it completes on', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of manifest().contributes.walkthroughs.flatMap((w) => w.steps)) {
      const buttons = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((b) => b[1]);
      assert.ok(buttons.length > 0, `step ${step.id} has a button`);
      for (const b of buttons) assert.ok(registered.has(b), `step ${step.id}: ${b} is registered`);
      assert.ok(step.completionEvents?.length, `step ${step.id} completes on something the user does`);
    }
  });

  it('opens any PNG in the SPADE editor from the Explorer entry (the URI argument)', async () => {
    const uri = await writePlainPng('plain-picture.png');
    await vscode.commands.executeCommand('spade.openWithSpade', uri);
    await until('the document to open', () => docIds(uri));
    const tab = activeCustomEditor();
    assert.equal(tab?.uri.toString(), uri.toString());
    assert.equal(tab?.viewType, 'spadeStudio.labelMap');
    await closeAll();
  });

  it('runs the title-bar buttons on the editor they belong to, and the tool commands only where there is one', async function () {
    this.timeout(240_000);
    const uri = await writePlainPng('title-bar.label.png');
    assert.equal(await vscode.commands.executeCommand('spade.tool.fill'), false, 'no SPADE editor: nothing to send the tool to');
    await vscode.commands.executeCommand('spade.openPreview', uri);
    await until('the document to open', () => docIds(uri));
    await until('the first synthesized frame', async () => ((await panelOf(uri))?.frames ?? 0) >= 1, 120_000);
    // A title-bar button passes the editor's resource, then a context object.
    assert.equal(await vscode.commands.executeCommand('spade.tool.fill', uri, { groupId: 0 }), true);
    await vscode.commands.executeCommand('spade.compareStyles', uri, { groupId: 0 });
    const before = vscode.workspace.getConfiguration('spade').get<string>('checkpoint');
    // Given the label map, Select Checkpoint must ask (an open dialog), not take the PNG as the checkpoint.
    const asking = vscode.commands.executeCommand('spade.selectCheckpoint', uri, { groupId: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await Promise.race([asking, new Promise((r) => setTimeout(r, 3000))]);
    assert.equal(vscode.workspace.getConfiguration('spade').get<string>('checkpoint'), before);
    const exported = await vscode.commands.executeCommand<vscode.Uri | undefined>('spade.exportImage', uri, { groupId: 0 });
    assert.match(exported?.path ?? '', /\/title-bar\.seed\d+\.png$/, 'written beside the map, named for its seed');
    await closeAll();
  });
});
