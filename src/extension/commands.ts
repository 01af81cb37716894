/**
 * Command palette entries. Each takes optional arguments so tests (and other extensions)
 * can run it without pickers or dialogs.
 */
import * as vscode from 'vscode';
import type { PanelRegistry } from './panel_registry';
import type { UserDialogs } from './user_dialogs';
import type { CheckpointService } from './checkpoint_service';
import { VIEW_TYPES } from './label_editor_provider';
import { copyPicture, exportPicture, type ExportArgs } from './export_picture';
import { openSample } from './open_sample';
import { addStyleImages, loadStyleSet } from './style_sets';

export function registerCommands(
  context: vscode.ExtensionContext,
  registry: PanelRegistry,
  dialogs: UserDialogs,
  checkpoints: CheckpointService,
): void {
  const reg = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  const openPreview = async (uri?: vscode.Uri) => {
    const target = uri ?? activeFileUri();
    if (!target) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Label maps': ['png'] }, title: 'Open a label map' });
      if (!picked?.[0]) return;
      return vscode.commands.executeCommand('vscode.openWith', picked[0], VIEW_TYPES[0]);
    }
    return vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPES[0]);
  };
  reg('spade.openPreview', (uri?: unknown) => openPreview(uri instanceof vscode.Uri ? uri : undefined));
  // The Explorer's "Open with SPADE" on any PNG.
  reg('spade.openWithSpade', (uri?: unknown) => openPreview(uri instanceof vscode.Uri ? uri : undefined));

  reg('spade.openSample', (name?: string) => openSample(context, name));

  reg('spade.selectCheckpoint', async (uri?: unknown) => {
    // From the editor's title bar the argument is the label map, which is no checkpoint.
    let target = uri instanceof vscode.Uri && /\.(safetensors|pth?)$/i.test(uri.path) ? uri : undefined;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { Checkpoints: ['safetensors', 'pth'] },
        title: 'SPADE checkpoint (.safetensors, or an NVlabs .pth with opt.txt beside it)',
      });
      target = picked?.[0];
    }
    if (!target) return;
    const scope = vscode.workspace.workspaceFolders?.length
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('spade').update('checkpoint', target.fsPath, scope);
  });

  reg('spade.exportImage', async (given?: vscode.Uri | ExportArgs) => {
    const args = asArgs(given);
    const panel = registry.find(args?.uri);
    if (!panel) {
      void vscode.window.showErrorMessage('SPADE: open a label map in the SPADE editor first.');
      return undefined;
    }
    return exportPicture(context, panel, dialogs, checkpoints, args);
  });
  // Answers undefined when copied, else why not (the clipboard is the webview's; see copy_picture.ts).
  reg('spade.copyPicture', async (given?: vscode.Uri | { uri?: vscode.Uri }) => {
    const panel = registry.find(asArgs(given)?.uri);
    if (!panel) {
      void vscode.window.showErrorMessage('SPADE: open a label map in the SPADE editor first.');
      return 'no SPADE editor';
    }
    return copyPicture(panel);
  });

  // Opens the Styles panel of a SPADE editor; `images` / `styleSet` add to it without dialogs (tests, other extensions).
  reg('spade.compareStyles', async (given?: vscode.Uri | { uri?: vscode.Uri; images?: vscode.Uri[]; styleSet?: vscode.Uri }) => {
    const args = asArgs(given);
    const panel = registry.find(args?.uri);
    if (!panel) {
      void vscode.window.showErrorMessage('SPADE: open a label map in the SPADE editor first (SPADE: Open Label Map Preview), then compare styles there.');
      return;
    }
    panel.webview.reveal();
    panel.post({ type: 'showStyles' });
    if (args?.images) await addStyleImages(panel, args.images);
    if (args?.styleSet) await loadStyleSet(panel, args.styleSet);
  });

  // For integration tests, which drive the host the way a webview would (through the same
  // message validation) and read back what the document holds.
  reg('spade.internal.previewStatus', () => ({
    checkpointLoads: checkpoints.loads,
    panels: [...registry.panels].map((p) => ({
      file: p.document.uri.toString(),
      maxPixels: p.maxPixels,
      traces: p.traces,
      firstPictures: p.firstPicturesSent,
      ...(p.status ?? {}),
    })),
    notices: [...dialogs.hooks.notices],
    backups: [...dialogs.hooks.backups],
  }));
  // Hot-exit restore as VS Code does it after a reload: a new document opened from a backup id.
  reg('spade.internal.openBackup', async (uri: vscode.Uri, backupId: string) => {
    const panel = registry.find(uri);
    if (!panel) throw new Error(`no SPADE editor open for ${uri.toString()}`);
    const doc = await panel.provider.openCustomDocument(uri, { backupId, untitledDocumentData: undefined });
    const ids = Array.from(doc.ids);
    doc.dispose();
    return ids;
  });
  // The answer to the editor's next question (e.g. 'Reload from disk'), as if the user clicked it.
  reg('spade.internal.queueAnswer', (answer: string) => {
    dialogs.hooks.answers.push(answer);
  });
  // The file the next open dialog (e.g. the toolbar's "Use style image…") picks, as if the user did.
  reg('spade.internal.queuePick', (file: vscode.Uri) => {
    dialogs.hooks.picks.push(file);
  });
  // Save-as without the file dialog; answers the error message, or null when it saved.
  reg('spade.internal.saveAs', async (uri: vscode.Uri, target: vscode.Uri) => {
    const panel = registry.find(uri);
    if (!panel) throw new Error(`no SPADE editor open for ${uri.toString()}`);
    try {
      await panel.provider.saveCustomDocumentAs(panel.document, target);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  });
  reg('spade.internal.webviewMessage', async (uri: vscode.Uri, message: unknown) => {
    const panel = registry.find(uri);
    if (!panel) throw new Error(`no SPADE editor open for ${uri.toString()}`);
    await panel.provider.receive(panel, message);
  });
  reg('spade.internal.documentIds', (uri: vscode.Uri) => {
    const panel = registry.find(uri);
    return panel ? Array.from(panel.document.ids) : undefined;
  });
}

/** Menus (the editor's title bar) pass the editor's resource; tests and other extensions pass an object. */
function asArgs<T extends { uri?: vscode.Uri }>(given: vscode.Uri | T | undefined): T | undefined {
  if (given instanceof vscode.Uri) return { uri: given } as T;
  return typeof given === 'object' && given !== null ? given : undefined;
}

function activeFileUri(): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputText || tab instanceof vscode.TabInputCustom) return tab.uri;
  return vscode.window.activeTextEditor?.document.uri;
}
