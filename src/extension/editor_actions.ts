/**
 * The editor's tools as commands (`spade.tool.*`, `spade.brush.*`), so that their keys are VS Code
 * keybindings scoped to the SPADE editor: listed, searchable and rebindable like any other.
 */
import * as vscode from 'vscode';
import type { EditorAction } from '../shared/protocol';
import type { PanelRegistry } from './panel_registry';

export const EDITOR_ACTION_COMMANDS: Readonly<Record<string, EditorAction>> = {
  'spade.tool.brush': 'brush',
  'spade.tool.fill': 'fill',
  'spade.tool.eraser': 'eraser',
  'spade.tool.eyedropper': 'eyedropper',
  'spade.tool.line': 'line',
  'spade.tool.rect': 'rect',
  'spade.tool.polygon': 'polygon',
  'spade.tool.lasso': 'lasso',
  'spade.brush.smaller': 'smaller',
  'spade.brush.larger': 'larger',
};

export function registerEditorActions(context: vscode.ExtensionContext, registry: PanelRegistry): void {
  for (const [command, action] of Object.entries(EDITOR_ACTION_COMMANDS)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, (uri?: unknown) => {
        const panel = registry.find(uri instanceof vscode.Uri ? uri : undefined);
        if (!panel) return false;
        panel.post({ type: 'editorAction', action });
        return true;
      }),
    );
  }
}
