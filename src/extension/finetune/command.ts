/**
 * SPADE: Fine-tune. Asks for the dataset, the base checkpoint, steps, batch size and the output
 * folder (remembering the answers per workspace), checks the dataset with `spade train --check`,
 * then starts a `spade` task in the terminal. Given an argument object it asks nothing, which is
 * how tests and other extensions run it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configuredCheckpointUri } from '../checkpoint_source';
import type { DatasetProblem } from './check_output';
import { runDatasetCheck, showProblems } from './dataset_check';
import { askCount, askOut, pickCheckpoint, pickDataset, suggestOut } from './pickers';
import { generateSampleDataset } from './sample_dataset';
import { readLastMetrics } from './metrics';
import { estimateDetail, estimateLine } from './speed_estimate';
import { estimateSpeed } from './speed_probe';
import type { RunRegistry } from './runs';
import { checkArgv, parseTaskDefinition, TASK_TYPE, type SpadeTaskDefinition } from './task_definition';
import { buildTrainTask, type TrainTaskContext } from './task_provider';

/** A task definition's fields, but `checkpoint` absent means the preview's current one and null from scratch. */
export interface FineTuneArgs extends Omit<SpadeTaskDefinition, 'type' | 'checkpoint'> {
  checkpoint?: string | null;
  /** Measure the speed and ask before starting, as the interactive command does (tests). */
  confirm?: boolean;
}

export type FineTuneResult =
  | { started: true; out: string; task: string; estimate?: EstimateReport }
  | {
      started: false;
      reason: 'untrusted' | 'no-folder' | 'cancelled' | 'invalid' | 'problems' | 'check-failed';
      message?: string;
      problems?: DatasetProblem[];
      estimate?: EstimateReport;
    };

/** What the confirmation said (for tests): the measured figure and whether it came from the cache. */
export interface EstimateReport {
  stepsPerSec?: number;
  backend?: string;
  cached?: boolean;
  text: string;
}

/** `spade train`'s own default when no step count is given. */
const DEFAULT_STEPS = 1000;

interface Answers {
  data?: string;
  checkpoint?: string | null;
  steps?: number;
  batch?: number;
}

const MEMENTO = 'spade.fineTune.answers';

export interface FineTuneDeps extends TrainTaskContext {
  context: vscode.ExtensionContext;
  diagnostics: vscode.DiagnosticCollection;
  runs: RunRegistry;
  /** A modal question; true when the user clicks `button` (UserDialogs.confirm, which tests can answer). */
  confirm(text: string, button: string, detail?: string): Promise<boolean>;
}

/** `dataset`: a folder chosen beforehand (the Explorer's context menu), asked for otherwise. */
export async function fineTune(deps: FineTuneDeps, given?: FineTuneArgs, dataset?: string): Promise<FineTuneResult> {
  if (!vscode.workspace.isTrusted) {
    const manage = 'Manage Workspace Trust';
    const message = 'SPADE: Fine-tune runs `spade train`, a program that reads this workspace\'s files, so it runs only in a trusted workspace.';
    void vscode.window.showWarningMessage(message, manage).then((a) => a === manage && vscode.commands.executeCommand('workbench.trust.manage'));
    return { started: false, reason: 'untrusted', message };
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    const message = 'SPADE: open a folder first; the fine-tune task runs in a workspace folder.';
    void vscode.window.showErrorMessage(message);
    return { started: false, reason: 'no-folder', message };
  }
  const current = configuredCheckpointUri(deps.context.extensionUri).fsPath;
  const raw = given ? fromArgs(given, current) : await ask(deps, folder.uri.fsPath, current, dataset);
  if (!raw) return { started: false, reason: 'cancelled' };

  let def: SpadeTaskDefinition;
  try {
    def = parseTaskDefinition(raw, 'SPADE: Fine-tune');
  } catch (e) {
    const message = (e as Error).message;
    void vscode.window.showErrorMessage(message);
    return { started: false, reason: 'invalid', message };
  }
  const cwd = folder.uri.fsPath;
  const abs = (p: string) => path.resolve(cwd, p);
  // The next run's questions start from this one's answers, however it was started.
  const answers: Answers = {
    data: abs(def.data),
    checkpoint: def.checkpoint !== undefined ? abs(def.checkpoint) : null,
    steps: def.steps,
    batch: def.batch,
  };
  await deps.context.workspaceState.update(MEMENTO, answers);

  const checked = await checkDataset(deps, def, cwd);
  if (checked) return checked;

  let estimate: EstimateReport | undefined;
  if (!given || given.confirm) {
    const answer = await confirmStart(deps, def, cwd);
    if (!answer.started) return { started: false, reason: 'cancelled', estimate: answer.report };
    estimate = answer.report;
  }

  fs.mkdirSync(abs(def.out), { recursive: true }); // so its watchers have a folder to watch
  deps.runs.expect(abs(def.out), { from: def.checkpoint !== undefined ? abs(def.checkpoint) : null });
  const task = await buildTrainTask(deps, def, folder);
  await vscode.tasks.executeTask(task);
  return { started: true, out: abs(def.out), task: task.name, ...(estimate ? { estimate } : {}) };
}

/** The expected time (measured, or cached), and on the CPU what that means; the user starts or not. */
async function confirmStart(
  deps: FineTuneDeps,
  def: SpadeTaskDefinition,
  cwd: string,
): Promise<{ started: boolean; report: EstimateReport }> {
  const est = await estimateSpeed(deps, def, cwd);
  // A resumed run trains from its last logged step up to `steps`.
  const done = def.resume ? ((await readLastMetrics(path.join(path.resolve(cwd, def.out), 'metrics.jsonl')).catch(() => undefined))?.step ?? 0) : 0;
  const steps = Math.max((def.steps ?? DEFAULT_STEPS) - done, 0);
  const data = path.basename(path.resolve(cwd, def.data));
  let text: string;
  let detail: string;
  let report: Omit<EstimateReport, 'text'>;
  if (est.measure) {
    text = `SPADE: fine-tune on ${data}: ${estimateLine(steps, est.measure)}.`;
    detail = estimateDetail(est.measure, est.cached);
    report = { stepsPerSec: est.measure.stepsPerSec, backend: est.measure.backend, cached: est.cached };
  } else {
    text = `SPADE: fine-tune on ${data} for ${steps} steps: the time is not known (${est.why}).`;
    detail = 'The terminal shows the speed and the time left once the run starts.';
    report = {};
  }
  const started = await deps.confirm(text, 'Start', detail);
  return { started, report: { ...report, text: `${text}\n${detail}` } };
}

function fromArgs(a: FineTuneArgs, current: string): Record<string, unknown> {
  const checkpoint = a.checkpoint === undefined ? current : a.checkpoint ?? undefined;
  return stripUndefined({
    type: TASK_TYPE, data: a.data, out: a.out, checkpoint, opt: a.opt ?? optBeside(checkpoint),
    steps: a.steps, batch: a.batch, backend: a.backend ?? 'auto', resume: a.resume, args: a.args,
  });
}

async function ask(
  deps: FineTuneDeps,
  folder: string,
  current: string,
  dataset?: string,
): Promise<Record<string, unknown> | undefined> {
  const last = deps.context.workspaceState.get<Answers>(MEMENTO) ?? {};
  const data = dataset ?? (await pickDataset(last.data, () => generateSampleDataset(deps)));
  if (!data) return undefined;
  const checkpoint = await pickCheckpoint(current, last.checkpoint);
  if (checkpoint === undefined) return undefined;
  const steps = await askCount(3, 'steps', 'How many training steps', last.steps ?? 1000);
  if (steps === undefined) return undefined;
  const batch = await askCount(4, 'batch size', 'Images per step (memory grows with it)', last.batch ?? 1);
  if (batch === undefined) return undefined;
  const out = await askOut(folder, suggestOut(folder, data));
  if (!out) return undefined;
  const ck = checkpoint ?? undefined;
  const resume = out.resume || undefined;
  return stripUndefined({ type: TASK_TYPE, data, out: out.out, checkpoint: ck, opt: optBeside(ck), steps, batch, resume });
}

/** NVlabs keeps a .pth's options in opt.txt beside it, as the previews expect too. */
function optBeside(checkpoint: string | undefined): string | undefined {
  if (!checkpoint || !/\.pth?$/i.test(checkpoint)) return undefined;
  const opt = path.join(path.dirname(checkpoint), 'opt.txt');
  return fs.existsSync(opt) ? opt : undefined;
}

/** Runs `spade train --check`; returns a result when the run must not start. */
async function checkDataset(deps: FineTuneDeps, def: SpadeTaskDefinition, cwd: string): Promise<FineTuneResult | undefined> {
  const dataDir = path.resolve(cwd, def.data);
  const runtime = await deps.runtime();
  let result;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SPADE: checking ${path.basename(dataDir)}…`, cancellable: true },
      (_, token) => runDatasetCheck(runtime, deps.cliPath, checkArgv(def, (p) => path.resolve(cwd, p)), { cwd, dataDir, token }),
    );
  } catch (e) {
    if (e instanceof vscode.CancellationError) return { started: false, reason: 'cancelled' };
    throw e;
  }
  deps.diagnostics.clear();
  if (result.code === 0) return undefined;
  const lastLine = result.output.trim().split('\n').pop() ?? '';
  if (result.code !== 2 || !result.problems.length) {
    const message = `SPADE: could not check the dataset (exit code ${result.code}): ${lastLine}`;
    deps.log.appendLine(result.output);
    void vscode.window.showErrorMessage(message);
    return { started: false, reason: 'check-failed', message };
  }
  showProblems(deps.diagnostics, result.problems, vscode.Uri.file(dataDir));
  const n = result.problems.length;
  const onFiles = result.problems.some((p) => p.file);
  const message = onFiles
    ? `SPADE: ${path.basename(dataDir)} has ${n} problem${n > 1 ? 's' : ''}; see the Problems panel.`
    : `SPADE: ${path.basename(dataDir)}: ${result.problems[0].message}`;
  const show = 'Show Problems';
  void vscode.window.showErrorMessage(message, show).then((a) => a === show && vscode.commands.executeCommand('workbench.actions.view.problems'));
  return { started: false, reason: 'problems', message, problems: result.problems };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
