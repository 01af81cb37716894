/**
 * Getting started (package.json `walkthroughs`): opens once, on the first activation after
 * install, and any time from SPADE: Get Started; registers the command behind its "paint" step's button.
 */
import * as vscode from 'vscode';
import type { PanelRegistry } from './panel_registry';
import { openSample } from './open_sample';

export const WALKTHROUGH_ID = 'spade-studio.spade-studio#spade.gettingStarted';
const SHOWN_KEY = 'spade.walkthroughShown';
/** Which sample "paint a stroke" opens when no SPADE editor is open. */
const PAINT_SAMPLE = 'landscape.label.png';

export function registerWalkthrough(context: vscode.ExtensionContext, registry: PanelRegistry): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('spade.paintHere', async () => {
      const panel = registry.find();
      if (panel) panel.webview.reveal();
      else await openSample(context, PAINT_SAMPLE);
    }),
    vscode.commands.registerCommand('spade.gettingStarted', () => openWalkthrough()),
  );
  // VS Code's own setting for walkthroughs of newly installed extensions is honoured here too
  // (where the extension host sees it: a remote one, as in code-server, gets only the default).
  const openOnInstall = vscode.workspace.getConfiguration().get<boolean>('workbench.welcomePage.walkthroughs.openOnInstall', true);
  if (!openOnInstall || context.globalState.get<boolean>(SHOWN_KEY)) return;
  void context.globalState.update(SHOWN_KEY, true).then(openWalkthrough);
}

/** Beside an open SPADE editor (a label map, a run view) rather than over it, so it stays in view. */
function openWalkthrough(): Thenable<unknown> {
  const ours = (t: vscode.Tab) => t.input instanceof vscode.TabInputCustom && t.input.viewType.startsWith('spadeStudio.');
  const beside = vscode.window.tabGroups.all.some((g) => g.tabs.some(ours));
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, beside);
}
