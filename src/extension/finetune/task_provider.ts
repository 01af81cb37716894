/**
 * Resolves `spade` tasks (from tasks.json or from SPADE: Fine-tune) into a ProcessExecution of
 * `<node> dist/cli.js train …`. No shell is involved: every path is one argv element, so a
 * dataset folder named `x"; rm -rf ~; "` is only a folder name.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseTaskDefinition, resolveTaskPath, trainArgv, TASK_TYPE, type SpadeTaskDefinition } from './task_definition';
import type { NodeRuntime } from './runtime';

export interface TrainTaskContext {
  /** dist/cli.js inside the extension. */
  cliPath: string;
  runtime(): Promise<NodeRuntime>;
  log: vscode.OutputChannel;
}

export class SpadeTaskProvider implements vscode.TaskProvider {
  constructor(private readonly ctx: TrainTaskContext) {}

  /** Nothing to detect: a run needs a dataset and an output folder that only the user can name. */
  provideTasks(): vscode.Task[] {
    return [];
  }

  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    const folder = scopeFolder(task.scope);
    try {
      if (!vscode.workspace.isTrusted) throw new Error('spade tasks run only in a trusted workspace');
      if (!folder) throw new Error('a spade task needs a workspace folder');
      const def = parseTaskDefinition(task.definition, path.join(folder.uri.fsPath, '.vscode', 'tasks.json'));
      // VS Code matches a resolved task to its tasks.json entry by the very definition object.
      return await buildTrainTask(this.ctx, def, folder, task.name, task.definition);
    } catch (e) {
      void vscode.window.showErrorMessage(`SPADE: ${(e as Error).message}`);
      return undefined;
    }
  }
}

export function scopeFolder(scope: vscode.Task['scope']): vscode.WorkspaceFolder | undefined {
  if (typeof scope === 'object' && scope !== null && 'uri' in scope) return scope;
  return vscode.workspace.workspaceFolders?.[0];
}

/** The run folder a `spade` task writes to, as an absolute path. */
export function taskOutDir(task: vscode.Task): string | undefined {
  const def = task.definition as Partial<SpadeTaskDefinition>;
  const folder = scopeFolder(task.scope);
  if (def.type !== TASK_TYPE || typeof def.out !== 'string' || !folder) return undefined;
  return resolveTaskPath(def.out, folder.uri.fsPath);
}

export async function buildTrainTask(
  ctx: TrainTaskContext,
  def: SpadeTaskDefinition,
  folder: vscode.WorkspaceFolder,
  name?: string,
  definition: vscode.TaskDefinition = def,
): Promise<vscode.Task> {
  const runtime = await ctx.runtime();
  const cwd = folder.uri.fsPath;
  const argv = trainArgv(def, (p) => resolveTaskPath(p, cwd));
  ctx.log.appendLine(`spade task: ${runtime.command} (${runtime.source}) ${[ctx.cliPath, ...argv].map((a) => JSON.stringify(a)).join(' ')}`);
  const execution = new vscode.ProcessExecution(runtime.command, [ctx.cliPath, ...argv], { cwd, env: runtime.env });
  const task = new vscode.Task(definition, folder, name ?? `fine-tune ${path.basename(def.out)}`, 'spade', execution, []);
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    focus: false,
  };
  return task;
}
