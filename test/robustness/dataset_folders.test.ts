// Dataset folders. test/cli/train/dataset.test.ts already covers unpaired files, 0-byte and truncated images,
// garbage label maps, links out of the folder, ids beyond label_nc, size mismatches and the pixel
// limit. What it does not: files that are not files (a FIFO, which a read would block on forever;
// a folder named like an image), symlink loops and dangling links, through `spade train --check`
// with a time guard; and the CLI's own inputs given as a FIFO or a device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { put, tempDir, writePairs } from '../helpers/dataset_builder';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const RUN_GUARD_MS = 120_000;

function spade(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: RUN_GUARD_MS });
  assert.notEqual((r.error as NodeJS.ErrnoException | undefined)?.code, 'ETIMEDOUT', `hung: spade ${args.join(' ')}`);
  return r;
}

test('a FIFO, a folder named .png, symlink loops and dangling links are listed as problems, without hanging', (t) => {
  const root = tempDir(t);
  writePairs(root, { a: {}, b: {} });
  const label = fs.readFileSync(path.join(root, 'labels', 'a.png'));
  execFileSync('mkfifo', [path.join(root, 'images', 'fifo.png')]);
  put(root, 'labels/fifo.png', label);
  fs.mkdirSync(path.join(root, 'images', 'dir.png'));
  put(root, 'labels/dir.png', label);
  fs.symlinkSync('loop2.png', path.join(root, 'images', 'loop1.png'));
  fs.symlinkSync('loop1.png', path.join(root, 'images', 'loop2.png'));
  put(root, 'labels/loop1.png', label);
  fs.symlinkSync('/nonexistent/secret.png', path.join(root, 'images', 'dangling.png'));
  put(root, 'labels/dangling.png', label);
  const r = spade('train', '--check', '--data', root, '--label_nc', '4');
  assert.equal(r.status, 2, r.stderr);
  for (const f of ['images/loop1.png', 'images/loop2.png', 'images/dangling.png', 'labels/fifo.png', 'labels/dir.png']) {
    assert.ok(r.stderr.includes(path.join(root, f)), `${f} is listed:\n${r.stderr}`);
  }
  assert.match(r.stderr.trim().split('\n').pop()!, /the dataset has 5 problems/);
});

test('the CLI refuses a FIFO or a device as an input file instead of blocking on it', (t) => {
  const root = tempDir(t);
  const fifo = path.join(root, 'label.png');
  execFileSync('mkfifo', [fifo]);
  const tiny = path.join(ROOT, 'media', 'models', 'tiny-untrained.safetensors');
  for (const file of [fifo, '/dev/zero']) {
    const r = spade('synth', '--checkpoint', tiny, '--label', file, '-o', path.join(root, 'out.png'));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^spade: ${file}: label map is not a regular file`));
  }
});
