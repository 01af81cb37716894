/** VS Code host entry: the label-map editor, its commands and the checkpoint service. */
import * as vscode from 'vscode';
import { CheckpointService } from './checkpoint_service';
import { LabelEditorProvider, VIEW_TYPES } from './label_editor_provider';
import { registerCommands } from './commands';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SPADE Studio');
  const checkpoints = new CheckpointService(context.extensionUri);
  const provider = new LabelEditorProvider(context, checkpoints, log);
  context.subscriptions.push(log, checkpoints);
  for (const viewType of VIEW_TYPES) {
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(viewType, provider, { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } }),
    );
  }
  registerCommands(context, provider);
}

export function deactivate(): void {}
