/** Wires fine-tuning into the extension: the command, the `spade` task type and the run monitors. */
import * as vscode from 'vscode';
import { fineTune, type FineTuneArgs } from './command';
import { pickNodeRuntime, type NodeRuntime } from './runtime';
import { RunRegistry } from './runs';
import { SpadeTaskProvider } from './task_provider';
import { TASK_TYPE } from './task_definition';
import { generateSampleDataset } from './sample_dataset';
import type { UserDialogs } from '../user_dialogs';

export function registerFineTune(context: vscode.ExtensionContext, log: vscode.OutputChannel, dialogs: UserDialogs): void {
  let runtime: Promise<NodeRuntime> | undefined;
  const deps = {
    context,
    log,
    cliPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath,
    // Looked up once: PATH does not change under a running extension host.
    runtime: () => (runtime ??= pickNodeRuntime()),
    diagnostics: vscode.languages.createDiagnosticCollection('spade-dataset'),
    runs: new RunRegistry(context.extensionUri),
    confirm: (text: string, button: string, detail?: string) => dialogs.confirm(text, button, detail),
  };
  context.subscriptions.push(
    deps.diagnostics,
    deps.runs,
    vscode.tasks.registerTaskProvider(TASK_TYPE, new SpadeTaskProvider(deps)),
    vscode.commands.registerCommand('spade.fineTune', (args?: FineTuneArgs) => fineTune(deps, isArgs(args) ? args : undefined)),
    // The Explorer's "Fine-tune on this Folder": the questions start with that folder as the dataset.
    vscode.commands.registerCommand('spade.fineTuneFolder', (uri?: unknown) =>
      fineTune(deps, undefined, uri instanceof vscode.Uri ? uri.fsPath : undefined),
    ),
    vscode.commands.registerCommand('spade.generateDataset', () => generateSampleDataset(deps)),
    // For integration tests: what the status bar shows for each run.
    vscode.commands.registerCommand('spade.internal.fineTuneStatus', () => deps.runs.snapshots()),
  );
}

/** Invoked from a menu, the command gets a Uri or nothing: only a plain object is an argument set. */
function isArgs(a: unknown): a is FineTuneArgs {
  return typeof a === 'object' && a !== null && !(a instanceof vscode.Uri) && 'data' in a && 'out' in a;
}
