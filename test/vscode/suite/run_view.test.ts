/// <reference types="mocha" />
/**
 * The run view in a real VS Code: metrics.jsonl opens in it (the custom editor), the webview
 * draws what the host read (it reports each drawing, rows and samples, through the test hook),
 * it follows appends, a torn last line and a log rewritten shorter (as --resume does), compares
 * two runs, and follows a real `spade train` of a few steps while it trains.
 */
import * as assert from 'assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encode } from 'fast-png';
import { until } from './editor.test';
import { writeTinyDataset } from './tiny_dataset';

const EXTENSION_ID = 'spade-studio.spade-studio';

interface Shown {
  rows: number;
  lastStep: number | null;
  samples: number;
}
interface ViewStatus {
  runs: { id: number; dir: string; rowsRead: number; shown: Shown[] }[];
}

const status = () => vscode.commands.executeCommand<ViewStatus[]>('spade.internal.runViewStatus');

/** What the view of `dir` (the first that shows it) last drew, and everything it drew. */
async function shownFor(dir: string): Promise<{ last?: Shown; all: Shown[] } | undefined> {
  for (const v of await status()) {
    const r = v.runs.find((x) => x.dir === dir);
    if (r) return { last: r.shown.at(-1), all: r.shown };
  }
  return undefined;
}

const untilShown = (dir: string, what: string, ok: (s: Shown) => boolean, ms = 30_000) =>
  until(what, async () => {
    const s = await shownFor(dir);
    return s?.last && ok(s.last) ? s.last : undefined;
  }, ms);

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return folder.uri.fsPath;
}

const row = (step: number, total: number) =>
  JSON.stringify({ step, steps_total: total, elapsed_s: step, steps_per_s: 1, eta_s: total - step, lr_G: 1e-4, lr_D: 4e-4, G_GAN: 1 / step, D_real: 0.5 }) + '\n';

function samplePng(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encode({ width: 6, height: 2, data: new Uint8Array(6 * 2 * 3).fill(200), channels: 3, depth: 8 }));
}

function writeRun(dir: string, steps: number, total: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, Array.from({ length: steps }, (_, i) => row(i + 1, total)).join(''));
  return file;
}

suite('run view', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });
  teardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  test('opens metrics.jsonl in the run view editor and follows appends, a torn line and a rewrite', async () => {
    const dir = path.join(workspaceDir(), 'runs', 'view-a');
    const file = writeRun(dir, 5, 20);
    samplePng(path.join(dir, 'samples', 'step_000005.png'));

    // As a click in the Explorer does. The walkthrough opens on the extension's first activation and may
    // cover the tab, and a hidden custom editor is not resolved: open again (which reveals it) until it is.
    const shownOnce = async () => (await shownFor(dir))?.last;
    for (let i = 0; i < 10 && !(await shownOnce()); i++) {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
      await until('the view drew', shownOnce, 3000).catch(() => undefined);
    }
    // Looked for in every group: on the extension's first activation the walkthrough opens too.
    const input = await until('a tab of metrics.jsonl', () => {
      for (const g of vscode.window.tabGroups.all) {
        for (const t of g.tabs) {
          const i = t.input as { uri?: vscode.Uri } | undefined;
          if (i?.uri?.path.endsWith('/runs/view-a/metrics.jsonl')) return t.input;
        }
      }
      return undefined;
    }).catch((e: Error) => {
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => `${t.label} (${t.input?.constructor.name})`));
      throw new Error(`${e.message}; tabs: ${tabs.join(', ')}`);
    });
    assert.ok(input instanceof vscode.TabInputCustom, `metrics.jsonl opened in a custom editor, not ${input?.constructor.name}`);
    assert.strictEqual(input.viewType, 'spadeStudio.trainingRun');
    await untilShown(dir, 'the view drew 5 rows and 1 sample', (s) => s.rows === 5 && s.lastStep === 5 && s.samples === 1);

    // Appended rows and a line still being written: the complete rows show, the torn one waits.
    const more = row(8, 20);
    fs.appendFileSync(file, row(6, 20) + row(7, 20) + more.slice(0, 15));
    samplePng(path.join(dir, 'samples', 'step_000007.png'));
    await untilShown(dir, 'the view drew 7 rows and 2 samples', (s) => s.rows === 7 && s.lastStep === 7 && s.samples === 2);
    fs.appendFileSync(file, more.slice(15));
    await untilShown(dir, 'the torn line completed', (s) => s.rows === 8 && s.lastStep === 8);

    // --resume rewrites the log (temp + rename) without the steps it runs again.
    const temp = path.join(dir, '.metrics.jsonl.tmp');
    fs.writeFileSync(temp, row(1, 20) + row(2, 20) + row(3, 20));
    fs.renameSync(temp, file);
    await untilShown(dir, 'the view re-read the shorter log', (s) => s.rows === 3 && s.lastStep === 3);
  });

  test('compares two runs in one view', async () => {
    const a = path.join(workspaceDir(), 'runs', 'cmp-a');
    const b = path.join(workspaceDir(), 'runs', 'cmp-b');
    writeRun(a, 4, 4);
    writeRun(b, 9, 9);
    const dirs = await vscode.commands.executeCommand<string[]>('spade.compareTrainingRuns', vscode.Uri.file(a), [vscode.Uri.file(a), vscode.Uri.file(b)]);
    assert.deepStrictEqual(dirs, [a, b]);
    const view = await until('one view shows both runs, drawn', async () =>
      (await status()).find((v) => v.runs.length === 2 && v.runs.every((r) => r.shown.at(-1)?.rows === (r.dir === a ? 4 : 9))));
    assert.deepStrictEqual(view.runs.map((r) => r.dir), [a, b]);
  });

  test('follows a real spade train of a few steps while it trains', async function () {
    this.timeout(Number(process.env.SPADE_FINETUNE_TIMEOUT_MS ?? 480_000));
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const model = path.join(ext.extensionPath, 'media', 'models', 'tiny-untrained.safetensors');
    const data = writeTinyDataset(path.join(ws, 'datasets', 'runview'), model, 4).dir;
    const out = path.join(ws, 'runs', 'live');
    const steps = 3;

    // Opened before the run starts: the folder does not exist yet.
    const shownDir = await vscode.commands.executeCommand<string>('spade.showTrainingRun', vscode.Uri.file(out));
    assert.strictEqual(shownDir, out);
    await until('the view is open', async () => (await status()).some((v) => v.runs.some((r) => r.dir === out)));

    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const args = [cli, 'train', '--data', data, '--checkpoint', model, '--out', out, '--steps', String(steps), '--batch', '1',
      '--log_every=1', '--sample_every=1', `--save_every=${steps}`, '--seed=1'];
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    // What the view drew while the process was still writing the file.
    const whileRunning: Shown[] = [];
    try {
      while (running) {
        const last = (await shownFor(out))?.last;
        const prev = whileRunning.at(-1);
        if (running && last && (prev?.rows !== last.rows || prev?.samples !== last.samples)) whileRunning.push(last);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      if (running) child.kill();
    }
    assert.strictEqual(await exited, 0, `spade train failed:\n${output.slice(-2000)}`);
    const final = await untilShown(out, `the view drew all ${steps} rows`, (s) => s.rows === steps && s.samples === steps);
    assert.strictEqual(final.lastStep, steps);
    const partial = whileRunning.filter((s) => s.rows > 0 && s.rows < steps);
    assert.ok(partial.length >= 1, `the view drew rows while the run went on; saw ${JSON.stringify(whileRunning)}`);
    const counts = whileRunning.map((s) => s.rows);
    assert.deepStrictEqual(counts, [...counts].sort((x, y) => x - y), 'rows only grew while it trained');
  });
});
