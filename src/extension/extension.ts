/** VS Code host entry: the label-map editor, its commands, the checkpoint service and fine-tuning. */
import * as vscode from 'vscode';
import { CheckpointService } from './checkpoint_service';
import { LabelEditorProvider, PanelRegistry, VIEW_TYPES } from './label_editor_provider';
import { registerCommands } from './commands';
import { registerFineTune } from './finetune';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SPADE Studio');
  const checkpoints = new CheckpointService(context.extensionUri);
  const registry = new PanelRegistry();
  context.subscriptions.push(log, checkpoints);
  for (const viewType of VIEW_TYPES) {
    const provider = new LabelEditorProvider(context, checkpoints, registry, log);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(viewType, provider, { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } }),
    );
  }
  registerCommands(context, registry, checkpoints);
  registerFineTune(context, log);
}

export function deactivate(): void {}
