// scripts/lavapipe.mjs: apt kept inside the project's cache, and the environment it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/paths';
// @ts-expect-error: a plain .mjs script without types
import { PACKAGES, commands, envFor } from '../../scripts/lavapipe.mjs';

const SCRIPT = path.join(ROOT, 'scripts', 'lavapipe.mjs');

test('apt downloads the three backports packages with its lists and cache inside the folder', () => {
  const cache = '/x/.lavapipe';
  const [update, download, unpack] = commands(cache, ['/x/.lavapipe/debs/a.deb']) as string[][];
  assert.deepEqual(PACKAGES, ['mesa-vulkan-drivers', 'libdrm2', 'libdrm-amdgpu1']);
  assert.deepEqual(update.slice(-2), ['update', '-qq']);
  assert.deepEqual(download.slice(-4), ['download', ...PACKAGES.map((p: string) => `${p}/bookworm-backports`)]);
  for (const cmd of [update, download]) {
    const dirs = cmd.filter((a) => a.startsWith('Dir::') && a !== 'Dir::Etc::SourceParts=-');
    assert.equal(dirs.length, 3, cmd.join(' '));
    for (const d of dirs) assert.ok(d.split('=')[1].startsWith(`${cache}/`), d);
  }
  assert.deepEqual(unpack, ['dpkg-deb', '-x', '/x/.lavapipe/debs/a.deb', '/x/.lavapipe/root']);
  assert.deepEqual(envFor(cache), {
    VK_ICD_FILENAMES: '/x/.lavapipe/root/usr/share/vulkan/icd.d/lvp_icd.json',
    LD_LIBRARY_PATH: '/x/.lavapipe/root/usr/lib/x86_64-linux-gnu',
    XDG_RUNTIME_DIR: '/x/.lavapipe/xdg',
  });
});

test('with lavapipe already unpacked it prints the environment and downloads nothing', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lavapipe-'));
  try {
    const icd = envFor(cache).VK_ICD_FILENAMES as string;
    fs.mkdirSync(path.dirname(icd), { recursive: true });
    fs.writeFileSync(icd, '{}');
    const r = spawnSync(process.execPath, [SCRIPT, cache], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), Object.entries(envFor(cache)).map(([k, v]) => `${k}=${v}`));
    assert.ok(fs.statSync(path.join(cache, 'xdg')).isDirectory());
    assert.ok(!fs.existsSync(path.join(cache, 'debs')), 'nothing downloaded');
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
