// One run per folder: run.lock is taken, refused while its holder lives, taken over when stale,
// and `spade train` into a folder a live run holds exits 2 with one line naming the pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE, RunLock } from '../../../src/cli/train/run_lock';
import { SpadeInputError } from '../../../src/model/errors';
import { tempDir, writePairs } from '../../helpers/dataset_builder';
import { assertBadInput, runSpade } from '../../helpers/cli';

/** The pid of a process that has exited (so no process holds it, barring reuse). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function writeLock(dir: string, pid: number, host = os.hostname()): void {
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host, started: new Date().toISOString() }) + '\n');
}

test('a lock is taken, refused to a second taker while held, and gone after release', (t) => {
  const dir = tempDir(t);
  const lock = RunLock.acquire(dir);
  const held = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
  assert.equal(held.pid, process.pid);
  assert.throws(() => RunLock.acquire(dir), (e: Error) => e instanceof SpadeInputError && e.message.includes(`pid ${process.pid}`));
  lock.release();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  RunLock.acquire(dir).release();
});

test('a lock whose process is gone, or that does not parse, is taken over', (t) => {
  const dir = tempDir(t);
  writeLock(dir, deadPid());
  const lock = RunLock.acquire(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
  fs.writeFileSync(path.join(dir, LOCK_FILE), 'torn {');
  RunLock.acquire(dir).release();
  assert.deepEqual(fs.readdirSync(dir), [], 'no lock and no temp file left behind');
});

test('a lock held from another machine counts as live (its pid cannot be checked from here)', (t) => {
  const dir = tempDir(t);
  writeLock(dir, deadPid(), `${os.hostname()}-elsewhere`);
  assert.throws(() => RunLock.acquire(dir), /elsewhere/);
});

test('release leaves a lock that another run took over in place', (t) => {
  const dir = tempDir(t);
  const lock = RunLock.acquire(dir);
  writeLock(dir, process.pid + 1_000_000);
  lock.release();
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
});

test('spade train into a folder a live run holds: exit 2, one line naming the pid; a stale lock is taken over', async (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  const id = (x: number, y: number) => (y < 8 ? 0 : x < 8 ? 1 : 2);
  const rgb = (x: number, y: number): [number, number, number] => [id(x, y) * 90, 100, 200 - id(x, y) * 60];
  writePairs(data, { a: { w: 32, h: 32, id, rgb }, b: { w: 32, h: 32, id, rgb } });
  const out = path.join(root, 'run');
  fs.mkdirSync(out);
  // A live holder: a process that waits until we end it.
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => holder.kill());
  writeLock(out, holder.pid!);
  const args = ['train', '--data', data, '--out', out, '--steps', '1', '--batch', '2', '--backend', 'wasm', '--label_nc', '3',
    '--crop_size', '32', '--ngf', '4', '--ndf', '8', '--spade_hidden', '8', '--n_layers_D', '2', '--norm_G', 'spectralspadeinstance3x3'];
  const refused = runSpade(args, 120_000);
  assertBadInput(refused, out, new RegExp(`pid ${holder.pid}\\b`));
  assert.deepEqual(fs.readdirSync(out), [LOCK_FILE], 'the refused run wrote nothing');

  holder.kill();
  await new Promise((r) => holder.once('exit', r));
  const ran = runSpade(args, 300_000);
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(fs.existsSync(path.join(out, 'latest.safetensors')));
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false, 'the finished run released its lock');
});
