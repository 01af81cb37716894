/// <reference types="mocha" />
/**
 * Smoke test inside a real extension host: the extension is installed under its manifest id,
 * activates, and registers every command that its manifest contributes.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'spade-studio.spade-studio';

describe('smoke', () => {
  it(`finds the extension ${EXTENSION_ID}`, () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded; loaded: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command in contributes.commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const contributed: string[] = ((ext.packageJSON?.contributes?.commands ?? []) as { command: string }[])
      .map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});

describe('SPADE: Open Sample', () => {
  it('copies the sample into the workspace, never over an earlier copy, and opens it in the SPADE editor', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const shipped = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, 'media', 'samples', 'lake.label.png'));
    const first = await vscode.commands.executeCommand<vscode.Uri>('spade.openSample', 'lake.label.png');
    const second = await vscode.commands.executeCommand<vscode.Uri>('spade.openSample', 'lake.label.png');
    const folder = vscode.workspace.workspaceFolders![0].uri;
    assert.equal(first.path, vscode.Uri.joinPath(folder, 'spade-samples', 'lake.label.png').path);
    assert.equal(second.path, vscode.Uri.joinPath(folder, 'spade-samples', 'lake-2.label.png').path);
    for (const copy of [first, second]) {
      assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(copy)), Buffer.from(shipped), `${copy.path} holds the sample's bytes`);
    }
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(tab instanceof vscode.TabInputCustom, `the active tab is a custom editor (got ${tab?.constructor?.name})`);
    assert.equal(tab.uri.path, second.path);
    assert.equal(tab.viewType, 'spadeStudio.labelMap');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('spade.openSample', '../package.json')), /no sample named/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
