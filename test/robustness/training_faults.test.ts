// Training under faults, through the built CLI on a tiny model: SIGKILL at random moments never
// leaves an unreadable latest.safetensors and --resume continues from the last saved step; a write
// that fails (a real file-size limit from `ulimit -f`, giving EFBIG) stops the run with a clear
// one-line error and leaves the previous checkpoint as it was. After each resume, metrics.jsonl
// holds every logged step once, in order: lines the killed run wrote past its checkpoint are dropped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint } from '../../src/model/checkpoint/spade_checkpoint';
import { tempDir, writePairs } from '../helpers/dataset_builder';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const TINY = ['--crop_size', '32', '--ngf', '4', '--ndf', '8', '--spade_hidden', '8', '--n_layers_D', '2', '--norm_G', 'spectralspadeinstance3x3'];
const RUN_GUARD_MS = 300_000;
const counts = { kills: 0, killedDuringWrite: 0, resumes: 0 };
after(() => console.log(`training faults: ${counts.kills} SIGKILLs (${counts.killedDuringWrite} left a temp file behind, i.e. hit a write), ${counts.resumes} resumes, every latest.safetensors readable`));

function dataset(root: string): string {
  const data = path.join(root, 'data');
  writePairs(data, Object.fromEntries([0, 1, 2].map((i) => [`p${i}`, { w: 32, h: 32, id: (x: number, y: number) => (y < 10 + 4 * i ? 0 : x < 16 ? 1 : 2) }])));
  return data;
}

/** The step recorded in a checkpoint; throws if the file is not a whole, readable checkpoint. */
function savedStep(file: string): number {
  const ck = readCheckpoint(new Uint8Array(fs.readFileSync(file)), file);
  return (JSON.parse(ck.info.train_state) as { step: number }).step;
}

/** Asserts metrics.jsonl holds steps 1..n, each once and in order, every line whole. */
function assertMetricsOnce(out: string, n: number, when: string): void {
  const text = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), `${when}: the last line is complete`);
  const steps = text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
  assert.deepEqual(steps, Array.from({ length: n }, (_, i) => i + 1), `${when}: each step once, increasing`);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('SIGKILL at random moments never leaves an unreadable latest.safetensors; --resume continues from the last saved step', async (t) => {
  const root = tempDir(t);
  const data = dataset(root);
  const out = path.join(root, 'run');
  const latest = path.join(out, 'latest.safetensors');
  const steps = 40;
  const random = seeded(Number(process.env.SPADE_FUZZ_SEED ?? 7));
  // Every step logs, samples and saves, so a kill often lands inside a write.
  const args = ['train', '--data', data, '--out', out, '--steps', String(steps), '--batch', '1', '--log_every', '1', '--save_every', '1', '--sample_every', '1', '--seed', '1', '--backend', 'wasm', ...TINY];
  let lastGood = 0;
  for (let round = 0; round < 8; round++) {
    const resume = fs.existsSync(latest);
    const child = spawn(process.execPath, [CLI, ...args, ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', () => {});
    // Wait for the first finished step, then kill after a random delay of up to a few steps.
    const started = Date.now();
    while (!/\nstep \d+\//.test(stdout) && child.exitCode === null && Date.now() - started < RUN_GUARD_MS) await new Promise((r) => setTimeout(r, 20));
    if (resume) {
      const m = /training (\d+) steps?/.exec(stdout);
      assert.ok(m, stdout);
      assert.equal(steps - Number(m[1]), lastGood, `round ${round}: the resumed run must start from the last saved step ${lastGood}`);
      counts.resumes++;
    }
    // Even rounds: a random moment. Odd rounds: the moment the n-th temp file appears, i.e. inside
    // a checkpoint or sample write (n random), which a random moment rarely hits.
    let moment: string;
    if (round % 2 === 0) {
      const delay = Math.floor(random() * 3000);
      await new Promise((r) => setTimeout(r, delay));
      moment = `${delay} ms after the first step`;
    } else {
      const n = 1 + Math.floor(random() * 4);
      let seen = 0;
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const guard = setTimeout(resolve, RUN_GUARD_MS);
        const watcher = fs.watch(out, (_, f) => {
          if (f?.endsWith('.tmp') && fs.existsSync(path.join(out, f)) && ++seen >= n) {
            clearTimeout(guard);
            watcher.close();
            resolve();
          }
        });
        child.on('exit', () => {
          clearTimeout(guard);
          watcher.close();
          resolve();
        });
      });
      moment = `while temp file ${n} was being written`;
    }
    const exited = child.exitCode !== null;
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
    if (!exited) counts.kills++;
    if (fs.readdirSync(out).some((f) => f.endsWith('.tmp'))) counts.killedDuringWrite++;
    if (fs.existsSync(latest)) {
      const step = savedStep(latest); // throws on a torn file
      assert.ok(step >= lastGood, `round ${round}: latest went back from ${lastGood} to ${step}`);
      console.log(`round ${round}: killed ${moment}, latest.safetensors whole at step ${step}`);
      lastGood = step;
    }
    if (lastGood === steps) break;
  }
  // A last, uninterrupted resume finishes the run and cleans up what the kills left behind.
  if (lastGood < steps) {
    const r = spawnSync(process.execPath, [CLI, ...args, ...(lastGood ? ['--resume'] : [])], { encoding: 'utf8', timeout: RUN_GUARD_MS });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`training ${steps - lastGood} step`));
  }
  assert.equal(savedStep(latest), steps);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'stale temp files are removed on resume');
  assertMetricsOnce(out, steps, 'after the kills and resumes');
});

test('a write that fails (ulimit -f: EFBIG) gives one clear line, exit 2, and the previous checkpoint survives', (t) => {
  const root = tempDir(t);
  const data = dataset(root);
  const out = path.join(root, 'run');
  const latest = path.join(out, 'latest.safetensors');
  const common = ['--data', data, '--out', out, '--batch', '1', '--log_every', '1', '--save_every', '2', '--seed', '1', '--backend', 'wasm', ...TINY];
  let r = spawnSync(process.execPath, [CLI, 'train', ...common, '--steps', '2'], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  assert.equal(r.status, 0, r.stderr);
  const before = fs.readFileSync(latest);
  // The limit (1 KiB blocks) lets metrics lines and small samples through but not a checkpoint.
  const blocks = Math.floor(before.length / 1024 / 2);
  const quoted = [process.execPath, CLI, 'train', ...common, '--steps', '4', '--resume'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  r = spawnSync('bash', ['-c', `ulimit -f ${blocks} && exec ${quoted}`], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  const lines = r.stderr.trim().split('\n');
  console.log(`ulimit -f ${blocks} (checkpoint is ${before.length} bytes): exit ${r.status}, stderr: ${r.stderr.trim()}`);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^spade: .*step_000004\.safetensors: file too large .*\(EFBIG\): nothing was written/);
  assert.doesNotMatch(r.stderr, /\s+at\s.+:\d+:\d+/);
  assert.deepEqual(fs.readFileSync(latest), before, 'latest.safetensors is byte for byte the one before the failed run');
  assert.equal(savedStep(latest), 2);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'the failed temp file is removed');
  // With the limit gone, --resume carries on from step 2.
  r = spawnSync(process.execPath, [CLI, 'train', ...common, '--steps', '4', '--resume'], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(savedStep(latest), 4);
  // The failed run logged steps 3 and 4 before its save failed; they ran again after the resume.
  assertMetricsOnce(out, 4, 'after the failed run and the resume');
});
