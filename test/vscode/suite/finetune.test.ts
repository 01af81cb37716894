/// <reference types="mocha" />
/**
 * SPADE: Fine-tune inside a real VS Code: the command runs non-interactively (an argument object
 * instead of QuickPicks), checks the dataset with the real CLI, and runs `spade train` as a task
 * in a terminal on a tiny generated dataset. The dataset folder's name holds shell syntax, which
 * must reach the CLI as a path and never run. The status bar must follow metrics.jsonl, the run's
 * latest.safetensors must land, and the open preview must switch to it, say so, and reload.
 */
import * as assert from 'assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { until } from './editor.test';
import { writeTinyDataset } from './tiny_dataset';

const EXTENSION_ID = 'spade-studio.spade-studio';
/** Were it ever handed to a shell, this name would create `pwned` in the workspace folder. */
const EVIL = 'tiny"; touch pwned; "';

interface RunSnapshot {
  out: string;
  text: string;
  step?: number;
  latestSaves: number;
  exitCode?: number;
  notices: string[];
}
interface PreviewStatus {
  checkpointLoads: number;
  panels: { file: string; model?: string; frames?: number; error?: string }[];
}
type FineTuneResult = {
  started: boolean;
  estimate?: { stepsPerSec?: number; backend?: string; cached?: boolean; text: string };
  out?: string;
  task?: string;
  reason?: string;
  problems?: { file?: string; message: string }[];
};

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return folder.uri.fsPath;
}

function standInModel(): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  return path.join(ext.extensionPath, 'media', 'models', 'tiny-untrained.safetensors');
}

const previewStatus = () => vscode.commands.executeCommand<PreviewStatus>('spade.internal.previewStatus');
const runStatus = () => vscode.commands.executeCommand<RunSnapshot[]>('spade.internal.fineTuneStatus');

/** The exit code of the next `spade` task process whose out folder is `out`, and the terminals opened meanwhile. */
function watchRun(out: string): { ended: Promise<number | undefined>; terminals: vscode.Terminal[]; dispose(): void } {
  const terminals: vscode.Terminal[] = [];
  const subs: vscode.Disposable[] = [vscode.window.onDidOpenTerminal((t) => terminals.push(t))];
  const ended = new Promise<number | undefined>((resolve) => {
    subs.push(
      vscode.tasks.onDidEndTaskProcess((e) => {
        const def = e.execution.task.definition;
        if (def.type === 'spade' && path.resolve(workspaceDir(), String(def.out)) === out) resolve(e.exitCode);
      }),
    );
  });
  return { ended, terminals, dispose: () => subs.forEach((s) => s.dispose()) };
}

suite('fine-tune', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  });
  teardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));
  suiteTeardown(() => vscode.workspace.getConfiguration('spade').update('checkpoint', undefined, vscode.ConfigurationTarget.Workspace));

  test('contributes the spade task type and limited support for untrusted workspaces', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const def = pkg.contributes.taskDefinitions.find((d: { type: string }) => d.type === 'spade');
    assert.deepStrictEqual(def.required, ['data', 'out']);
    for (const k of ['checkpoint', 'steps', 'batch', 'backend', 'resume', 'args']) assert.ok(def.properties[k], k);
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  test('a spade task in tasks.json resolves to a process (no shell) with the path as one argument', async () => {
    const ws = workspaceDir();
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    const tasks = {
      version: '2.0.0',
      tasks: [{ type: 'spade', label: 'train evil', data: `datasets/${EVIL}`, out: 'runs/from-tasks-json', steps: 3, args: ['--lr=0.0001'] }],
    };
    fs.writeFileSync(path.join(ws, '.vscode', 'tasks.json'), JSON.stringify(tasks, null, 2));
    const task = await until('the tasks.json task', async () => (await vscode.tasks.fetchTasks({ type: 'spade' })).find((t) => t.name === 'train evil'));
    const exec = task.execution;
    assert.ok(exec instanceof vscode.ProcessExecution, `a ProcessExecution, got ${exec?.constructor.name}`);
    assert.ok(exec.args.includes(path.join(ws, 'datasets', EVIL)), `the dataset path is one argument: ${JSON.stringify(exec.args)}`);
    assert.deepStrictEqual(exec.args.slice(-3), ['--steps', '3', '--lr=0.0001']);
    assert.match(exec.args[0], /dist[\\/]cli\.js$/);
  });

  test('dataset problems go to the Problems panel, on the files, and nothing starts', async () => {
    const ws = workspaceDir();
    const data = path.join(ws, 'datasets', 'broken');
    writeTinyDataset(data, standInModel(), 2);
    fs.rmSync(path.join(data, 'images', 'scene_1.png')); // a label without its image
    const orphan = path.join(data, 'labels', 'scene_1.png');
    const out = path.join(ws, 'runs', 'broken');
    const result = await vscode.commands.executeCommand<FineTuneResult>('spade.fineTune', { data, out, steps: 2 });
    assert.strictEqual(result.started, false);
    assert.strictEqual(result.reason, 'problems', JSON.stringify(result));
    const diags = vscode.languages.getDiagnostics(vscode.Uri.file(orphan));
    assert.ok(diags.length > 0, `a problem on ${orphan}; got ${JSON.stringify(result.problems)}`);
    assert.ok(!fs.existsSync(out), 'no run folder: nothing started');
  });

  test('before starting: the expected time from a measured probe run, what a CPU run means, and the figure cached', async function () {
    this.timeout(300_000);
    const ws = workspaceDir();
    const data = path.join(ws, 'datasets', 'estimate');
    writeTinyDataset(data, standInModel(), 2);
    const out = path.join(ws, 'runs', 'estimate');
    const notices = async () => (await previewStatus() as PreviewStatus & { notices: string[] }).notices;
    const since = (await notices()).length;

    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Cancel');
    const first = await vscode.commands.executeCommand<FineTuneResult>('spade.fineTune', { data, out, steps: 500, batch: 1, confirm: true });
    assert.strictEqual(first.started, false);
    assert.strictEqual(first.reason, 'cancelled', JSON.stringify(first));
    const est = first.estimate!;
    assert.ok(est.stepsPerSec! > 0 && est.backend, `a measured figure: ${JSON.stringify(est)}`);
    assert.strictEqual(est.cached, false, 'measured by a probe run this time');
    const m = /^SPADE: fine-tune on estimate: about (\d+ (s|min)|\d+ h( \d+ min)?|\d+ days( \d+ h)?) for 500 steps on (\w+)/.exec(est.text);
    assert.ok(m, `the confirmation gives the time: ${est.text}`);
    assert.strictEqual(m[5], est.backend);
    // Which backend `auto` took: on a machine without a GPU (here), wasm, and the user is told what that means.
    const onCpu = est.backend === 'wasm' || est.backend === 'cpu';
    assert.strictEqual(/on \w+ \(the CPU\)/.test(est.text), onCpu, est.text);
    assert.strictEqual(est.text.includes('Training will run on the CPU'), onCpu, est.text);
    assert.match(est.text, new RegExp(`--backend auto chose ${est.backend}: `), 'and why auto chose it');
    assert.ok((await notices()).slice(since).includes(est.text), 'asked with exactly that text');
    assert.ok(!fs.existsSync(out), 'cancelled: nothing started');

    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Cancel');
    const second = await vscode.commands.executeCommand<FineTuneResult>('spade.fineTune', { data, out, steps: 2000, batch: 1, confirm: true });
    assert.strictEqual(second.estimate?.cached, true, 'the same backend and model: no second probe');
    assert.strictEqual(second.estimate?.stepsPerSec, est.stepsPerSec);
    assert.match(second.estimate!.text, /for 2,000 steps on /);
  });

  test('fine-tunes in a terminal task; the checkpoint lands and the preview switches to it and reloads', async function () {
    this.timeout(Number(process.env.SPADE_FINETUNE_TIMEOUT_MS ?? 480_000));
    const ws = workspaceDir();
    const data = path.join(ws, 'datasets', EVIL);
    const set = writeTinyDataset(data, standInModel(), 4);
    const out = path.join(ws, 'runs', 'it');

    // A preview on the stand-in model (the harness sets it), the base checkpoint of the run.
    const mask = vscode.Uri.file(path.join(ws, 'ft.label.png'));
    await vscode.workspace.fs.writeFile(mask, encodeLabelMap({ width: 16, height: 8, ids: new Int32Array(128).fill(set.ids[0]), encoding: { kind: 'gray', bitDepth: 8 } }));
    await vscode.commands.executeCommand('spade.openPreview', mask);
    const before = await until('the preview shows the stand-in model', async () => {
      const s = await previewStatus();
      return s.panels.some((p) => p.model === path.basename(standInModel())) && s;
    }, 90_000);
    // The harness's user settings point spade.checkpoint at the stand-in; no workspace value yet.
    assert.strictEqual(vscode.workspace.getConfiguration('spade').inspect('checkpoint')?.workspaceValue, undefined, 'the run starts from the preview\'s model');

    const run = watchRun(out);
    try {
      const args = ['--save_every=1', '--sample_every=1', '--log_every=1', '--seed=1'];
      const result = await vscode.commands.executeCommand<FineTuneResult>('spade.fineTune', { data, out, steps: 2, batch: 1, args });
      assert.strictEqual(result.started, true, JSON.stringify(result));
      // What the status bar shows while the run goes on.
      const texts = new Set<string>();
      let ended = false;
      void run.ended.then(() => (ended = true));
      while (!ended) {
        for (const r of await runStatus()) if (r.out === out) texts.add(r.text);
        await new Promise((r) => setTimeout(r, 500));
      }
      const code = await run.ended;
      const progress = [...texts].find((t) => /SPADE: step 1\/2 · [\d.]+ (steps\/s|s\/step) · ETA \d+:\d\d$/.test(t));
      assert.ok(progress, `the status bar showed step 1/2 with rate and ETA; saw ${JSON.stringify([...texts])}`);
      assert.strictEqual(code, 0, `spade train exited with ${code}; see the terminal`);
      // A terminal is named only once its task has started, so look after the run.
      const names = run.terminals.map((t) => t.name);
      assert.ok(names.some((n) => n.includes(result.task!)), `a terminal for ${result.task}; opened: ${JSON.stringify(names)}`);
    } finally {
      run.dispose();
    }

    // The run's files, per the `spade train` contract.
    assert.ok(fs.statSync(path.join(out, 'latest.safetensors')).size > 0, 'latest.safetensors');
    assert.ok(fs.existsSync(path.join(out, 'step_000002.safetensors')), 'step_000002.safetensors');
    assert.ok(fs.existsSync(path.join(out, 'samples', 'step_000002.png')), 'samples/step_000002.png');
    const runJson = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.strictEqual(path.resolve(ws, runJson.data), data, 'the dataset path reached the CLI verbatim');
    assert.ok(!fs.existsSync(path.join(ws, 'pwned')), 'no shell ran the path');
    const lines = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(lines.at(-1).step, 2);

    // The status bar followed metrics.jsonl.
    const snap = await until('the run monitor saw the end', async () => (await runStatus()).find((r) => r.out === out && r.exitCode !== undefined));
    assert.strictEqual(snap.exitCode, 0);
    assert.strictEqual(snap.step, 2, snap.text);
    assert.match(snap.text, /SPADE: fine-tune done · step 2\/2/);
    assert.ok(snap.latestSaves >= 1, 'the monitor saw latest.safetensors land');
    assert.ok(snap.notices.some((n) => /^SPADE: Preview now uses runs\/it\/latest\.safetensors \(step [12]\)$/.test(n)), `the switch was announced: ${JSON.stringify(snap.notices)}`);

    // The preview moved from the base checkpoint to the run's latest.safetensors, and reloaded.
    await until('spade.checkpoint points at the run', () => vscode.workspace.getConfiguration('spade').get('checkpoint') === 'runs/it/latest.safetensors');
    await until('the preview reloaded the run\'s checkpoint', async () => {
      const s = await previewStatus();
      return s.checkpointLoads > before.checkpointLoads && s.panels.some((p) => p.model === 'latest.safetensors' && !p.error);
    }, 120_000); // the webview rebuilds the model and renders on a software GPU: slow on a busy machine
  });

  // Runs after the test above, whose answers (dataset, steps 2, batch 1) it expects as defaults.
  test('asks with QuickPicks pre-filled from the last run; accepting every default starts it again in a new folder', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const started = new Promise<vscode.TaskExecution>((resolve) => {
      const sub = vscode.tasks.onDidStartTask((e) => {
        if (e.execution.task.definition.type !== 'spade') return;
        sub.dispose();
        resolve(e.execution);
      });
    });
    // After the questions it measures the speed (or takes the cached figure) and asks to start: yes.
    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Start');
    const pending = vscode.commands.executeCommand<FineTuneResult>('spade.fineTune');
    let answered = false;
    void pending.then(() => (answered = true), () => (answered = true));
    // Five questions (dataset, checkpoint, steps, batch, output folder): take each default.
    while (!answered) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 300));
    }
    const result = await pending;
    assert.strictEqual(result.started, true, JSON.stringify(result));
    assert.strictEqual(result.out, path.join(ws, 'runs', 'tiny_touch_pwned_-1'), 'a fresh folder named after the dataset');
    const execution = await started;
    const def = execution.task.definition;
    assert.deepStrictEqual(
      { data: def.data, checkpoint: def.checkpoint, steps: def.steps, batch: def.batch },
      { data: path.join(ws, 'datasets', EVIL), checkpoint: path.join(ws, 'runs', 'it', 'latest.safetensors'), steps: 2, batch: 1 },
      'the last answers, and the checkpoint the preview uses now',
    );
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidEndTask((e) => {
        if (e.execution === execution || e.execution.task.definition.out === def.out) {
          sub.dispose();
          resolve();
        }
      });
    });
    execution.terminate();
    await ended;
  });
});
