/** VS Code host entry: the label-map editor, its commands, the checkpoint service and fine-tuning. */
import * as vscode from 'vscode';
import { CheckpointService } from './checkpoint_service';
import { previewCacheDir } from './preview_model_file';
import { FirstPictureRenderer, renderWorkerScript } from './first_picture/first_picture_renderer';
import { LabelEditorProvider, VIEW_TYPES } from './label_editor_provider';
import { PanelRegistry } from './panel_registry';
import { TestHooks } from './test_hooks';
import { UserDialogs } from './user_dialogs';
import { registerCommands } from './commands';
import { registerFineTune } from './finetune';
import { registerEditorActions } from './editor_actions';
import { registerWalkthrough } from './walkthrough';
import { registerPreviewTimings } from './preview_timings';
import { registerRunView } from './run_view';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SPADE Studio');
  const checkpoints = new CheckpointService(context.extensionUri, previewCacheDir(context.globalStorageUri));
  const registry = new PanelRegistry();
  const dialogs = new UserDialogs(log, new TestHooks());
  context.subscriptions.push(log, checkpoints);
  const labelMapOpen = () => registry.panels.size > 0;
  const firstPictures = new FirstPictureRenderer(renderWorkerScript(context.extensionPath), labelMapOpen, (l) =>
    log.appendLine(l),
  );
  context.subscriptions.push(firstPictures);
  for (const viewType of VIEW_TYPES) {
    const provider = new LabelEditorProvider(context, checkpoints, registry, dialogs, log, firstPictures);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(viewType, provider, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }),
    );
  }
  registerCommands(context, registry, dialogs, checkpoints);
  registerFineTune(context, log, dialogs);
  registerEditorActions(context, registry);
  registerWalkthrough(context, registry);
  registerPreviewTimings(context, registry, log);
  registerRunView(context, dialogs, log);
}

export function deactivate(): void {}
