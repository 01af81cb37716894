/**
 * The fine-tune plumbing that needs no VS Code: the `spade` task definition (validation and the
 * argument vector it becomes), the runtime choice (node on PATH, else VS Code's own with
 * ELECTRON_RUN_AS_NODE), the metrics.jsonl tail reader and the --check output parser.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkArgv, parseTaskDefinition, resolveTaskPath, trainArgv } from '../../../src/extension/finetune/task_definition';
import { nodeOnPath, pickNodeRuntime } from '../../../src/extension/finetune/runtime';
import { formatProgress, lastMetrics, readLastMetrics } from '../../../src/extension/finetune/metrics';
import { parseCheckOutput } from '../../../src/extension/finetune/check_output';
import { SpadeInputError } from '../../../src/model/errors';
import { ROOT } from '../../helpers/paths';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spade-ft-'));
const base = { type: 'spade', data: 'datasets/a', out: 'runs/a' };

function rejects(raw: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseTaskDefinition(raw, '/w/.vscode/tasks.json'),
    (e: unknown) => e instanceof SpadeInputError && /^\/w\/\.vscode\/tasks\.json: spade task: /.test(e.message) && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('spade task definition', () => {
  it('accepts every property and keeps the values', () => {
    const raw = { ...base, checkpoint: 'ck/G.pth', opt: 'ck/opt.txt', steps: 500, batch: 2, backend: 'webgpu', resume: true, args: ['--lr=0.0001', '--no_flip'] };
    assert.deepEqual(parseTaskDefinition(raw, 'tasks.json'), raw);
  });

  it('refuses bad definitions with one line naming the file and the property', () => {
    rejects(null, /must be an object/);
    rejects({ ...base, type: 'shell' }, /"type" must be "spade"/);
    rejects({ type: 'spade', out: 'x' }, /"data" must be a non-empty path string \(it is required\)/);
    rejects({ ...base, out: '  ' }, /"out" must be a non-empty path/);
    rejects({ ...base, data: 42 }, /"data" must be/);
    rejects({ ...base, steps: 0 }, /"steps" must be a positive integer \(got 0\)/);
    rejects({ ...base, steps: 2.5 }, /"steps" must be a positive integer/);
    rejects({ ...base, batch: '4' }, /"batch" must be a positive integer \(got "4"\)/);
    rejects({ ...base, backend: 'cuda' }, /"backend" must be one of webgpu, wasm, cpu/);
    rejects({ ...base, resume: 'yes' }, /"resume" must be true or false/);
    rejects({ ...base, args: '--lr 1' }, /"args" must be an array/);
    rejects({ ...base, args: ['lr=1'] }, /"args"\[0\] must be one flag starting with --/);
    rejects({ ...base, args: ['--lr', '0.1'] }, /"args"\[1\] must be one flag/);
  });

  it('keeps the typed properties out of args', () => {
    rejects({ ...base, args: ['--data=/etc'] }, /use the "data" property instead of --data/);
    rejects({ ...base, args: ['--check'] }, /use the "check" property/);
    rejects({ ...base, unknownThing: 1 }, /unknown property "unknownThing"/);
    rejects({ ...base, opt: 'opt.txt' }, /"opt" belongs to a "checkpoint"/);
  });

  it('turns a definition into argv, one element per value', () => {
    const def = parseTaskDefinition({ ...base, checkpoint: 'G.safetensors', steps: 10, batch: 2, backend: 'wasm', resume: true, args: ['--lr=0.001'] }, 't');
    assert.deepEqual(trainArgv(def, (p) => `/w/${p}`), [
      'train', '--data', '/w/datasets/a', '--out', '/w/runs/a', '--checkpoint', '/w/G.safetensors',
      '--steps', '10', '--batch', '2', '--backend', 'wasm', '--resume', '--lr=0.001',
    ]);
    assert.deepEqual(checkArgv(def, (p) => `/w/${p}`), ['train', '--check', '--data', '/w/datasets/a', '--checkpoint', '/w/G.safetensors', '--lr=0.001']);
  });

  it('a path holding shell syntax stays one argument, verbatim', () => {
    const evil = 'data"; rm -rf ~; "';
    const def = parseTaskDefinition({ ...base, data: evil, out: `out $(touch pwned) \`id\`` }, 't');
    const argv = trainArgv(def);
    assert.equal(argv[2], evil);
    assert.equal(argv[4], 'out $(touch pwned) `id`');
    assert.equal(argv.length, 5);
    // A flag's value is passed on as is: `spade train` judges it, no shell ever sees it.
    assert.deepEqual(parseTaskDefinition({ ...base, args: ['--lr=1; rm -rf ~'] }, 't').args, ['--lr=1; rm -rf ~']);
  });

  it('resolves paths against the workspace folder, with ${workspaceFolder}', () => {
    assert.equal(resolveTaskPath('runs/a', '/w'), '/w/runs/a');
    assert.equal(resolveTaskPath('${workspaceFolder}/runs/a', '/w'), '/w/runs/a');
    assert.equal(resolveTaskPath('/abs/x', '/w'), '/abs/x');
  });
});

describe('node runtime', () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');

  it('finds an executable node on PATH and skips relative entries and non-executables', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'node'), 'not executable', { mode: 0o644 });
    assert.equal(nodeOnPath(`relative/bin${path.delimiter}${dir}`), undefined);
    const good = tmp();
    fs.writeFileSync(path.join(good, 'node'), '#!/bin/sh\necho v22.1.0\n', { mode: 0o755 });
    assert.equal(nodeOnPath(`${dir}${path.delimiter}${good}`), path.join(good, 'node'));
  });

  it('uses node from PATH when it is new enough', async () => {
    const rt = await pickNodeRuntime({ PATH: path.dirname(process.execPath) }, '/vscode/electron');
    assert.deepEqual(rt, { command: path.join(path.dirname(process.execPath), 'node'), env: {}, source: 'PATH' });
  });

  it("falls back to VS Code's runtime with ELECTRON_RUN_AS_NODE when PATH has no node, or an old one", async () => {
    const none = await pickNodeRuntime({ PATH: '' }, '/vscode/electron');
    assert.deepEqual(none, { command: '/vscode/electron', env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'VS Code' });
    const old = tmp();
    fs.writeFileSync(path.join(old, 'node'), '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
    assert.equal((await pickNodeRuntime({ PATH: old }, '/vscode/electron')).source, 'VS Code');
  });

  it('either runtime runs the built CLI (npm run build makes it)', async () => {
    assert.ok(fs.existsSync(cli), `${cli} is missing: run npm run build first`);
    for (const env of [{ PATH: path.dirname(process.execPath) }, { PATH: '' }]) {
      const rt = await pickNodeRuntime(env, process.execPath);
      const out = execFileSync(rt.command, [cli, '--help'], { env: { ...process.env, ...rt.env }, encoding: 'utf8' });
      assert.match(out, /usage: spade <command>/, rt.source);
    }
  });
});

describe('metrics.jsonl', () => {
  const line = (step: number) =>
    JSON.stringify({
      step,
      steps_total: 500,
      elapsed_s: step,
      steps_per_s: 1.3,
      eta_s: 250,
      lr_G: 1e-4,
      G_GAN: 0.8125,
      D_real: 0.5,
    });

  it('reads the last complete line and skips one still being written', () => {
    assert.equal(lastMetrics(`${line(1)}\n${line(2)}\n`)?.step, 2);
    assert.equal(lastMetrics(`${line(1)}\n${line(2)}\n{"step": 3, "steps_to`)?.step, 2);
    assert.equal(lastMetrics(`${line(1)}\n${line(2)}`)?.step, 1, 'no newline yet: the line may be incomplete');
    assert.equal(lastMetrics(`${line(1)}\nnot json\n\n`)?.step, 1);
    assert.equal(lastMetrics(''), undefined);
    assert.equal(lastMetrics('{"loss": 1}\n'), undefined);
  });

  it('a tail read does not trust its first, cut line', () => {
    assert.equal(lastMetrics(`{"step": 9, "steps_total": 500}\n`, true), undefined);
    assert.equal(lastMetrics(`x}\n${line(7)}\n`, true)?.step, 7);
  });

  it('reads only the end of a long file', async () => {
    const f = path.join(tmp(), 'metrics.jsonl');
    fs.writeFileSync(f, Array.from({ length: 3000 }, (_, i) => line(i + 1)).join('\n') + '\n{"step":');
    const m = await readLastMetrics(f, 4096);
    assert.equal(m?.step, 3000);
    assert.deepEqual(m?.values, { lr_G: 1e-4, G_GAN: 0.8125, D_real: 0.5 });
    assert.equal(await readLastMetrics(path.join(path.dirname(f), 'missing.jsonl')), undefined);
  });

  it('formats the status bar text', () => {
    assert.equal(formatProgress(lastMetrics(`${JSON.stringify({ step: 120, steps_total: 500, steps_per_s: 1.3, eta_s: 250 })}\n`)!), 'SPADE: step 120/500 · 1.3 steps/s · ETA 4:10');
  });
});

describe('spade train --check output', () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'labels', 'a: b.png'), '');
  const exists = (p: string) => fs.existsSync(p);

  it('puts each problem on the file it names: relative, absolute, or with ": " in the name', () => {
    const text = [
      'spade: labels/a: b.png: ids 9 (12 px) are not < label_nc 8',
      `${path.join(root, 'labels')}: 2 labels have no image`,
      'the dataset is empty',
      '',
    ].join('\n');
    assert.deepEqual(parseCheckOutput(text, [root], exists), [
      { file: path.join(root, 'labels', 'a: b.png'), message: 'ids 9 (12 px) are not < label_nc 8' },
      { file: path.join(root, 'labels'), message: '2 labels have no image' },
      { message: 'the dataset is empty' },
    ]);
  });

  it('skips the heading and the closing line of the problem list', () => {
    const text = `${root}: 1 problem:\n  ${path.join(root, 'labels', 'a: b.png')}: no matching images/a: b.*\nspade: ${root}: the dataset has 1 problem (listed above)\n`;
    assert.deepEqual(parseCheckOutput(text, [root], exists), [{ file: path.join(root, 'labels', 'a: b.png'), message: 'no matching images/a: b.*' }]);
  });

  it('a name that does not exist is not taken for a file', () => {
    assert.deepEqual(parseCheckOutput('images/gone.png: not found\n', [root], exists), [{ message: 'images/gone.png: not found' }]);
  });
});
