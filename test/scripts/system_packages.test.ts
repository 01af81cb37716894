/** The README's two commands set up their Debian packages: install as root, else one line with the command and exit. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without types
import { NEEDS, plan } from '../../scripts/system_packages.mjs';

const have = (...pkgs: string[]) => (p: string) => pkgs.includes(p);

test('nothing to do when every package is installed', () => {
  assert.deepEqual(plan({ needs: NEEDS.test, installed: have(...NEEDS.test), uid: 1000, hasApt: true }), { action: 'none', missing: [] });
});

test('as root with apt-get: update, then install exactly the missing packages', () => {
  const p = plan({ needs: NEEDS.test, installed: have('pkg-config', 'libegl1'), uid: 0, hasApt: true });
  assert.equal(p.action, 'install');
  assert.deepEqual(p.commands, [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', 'chromium', 'libkrb5-dev', 'libegl-dev', 'libegl-mesa0', 'libgles2', 'libvulkan1', 'python3-torch'],
  ]);
});

test('not root: one line with the exact command', () => {
  const p = plan({ needs: NEEDS.test, installed: have(...NEEDS.test.filter((x: string) => x !== 'chromium')), uid: 1000, hasApt: true });
  assert.equal(p.action, 'tell');
  assert.equal(p.line, 'missing Debian packages: chromium; run: sudo apt-get install -y chromium');
  assert.ok(!p.line.includes('\n'));
});

test('root without apt-get is told, not run', () => {
  assert.equal(plan({ needs: NEEDS.start, installed: have(), uid: 0, hasApt: false }).action, 'tell');
});

test('without dpkg (not Debian) nothing is checked', () => {
  assert.equal(plan({ needs: NEEDS.test, installed: () => null, uid: 1000, hasApt: false }).action, 'unknown');
});

test('the script, before anything else: as root runs apt-get for what is missing, otherwise exits 1 with the line', () => {
  // A PATH whose dpkg-query knows no package and whose apt-get only writes down its arguments.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-dpkg-'));
  fs.writeFileSync(path.join(dir, 'dpkg-query'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'apt-get'), `#!/bin/sh\necho "$@" >> ${dir}/apt.log\n`, { mode: 0o755 });
  try {
    const r = spawnSync(process.execPath, ['scripts/system_packages.mjs', 'start'], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
    if (process.getuid?.() === 0) {
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'apt.log'), 'utf8').trim().split('\n'), ['--version', 'update -qq', 'install -y libkrb5-dev pkg-config -qq']);
    } else {
      assert.equal(r.status, 1);
      assert.equal(r.stderr.trim(), '[system-packages] missing Debian packages: libkrb5-dev pkg-config; run: sudo apt-get install -y libkrb5-dev pkg-config');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('.ci/run installs from this script, before npm ci, rather than keeping a list of its own', () => {
  const ci = fs.readFileSync('.ci/run', 'utf8');
  const at = ci.indexOf('node scripts/system_packages.mjs test');
  assert.ok(at >= 0 && at < ci.indexOf('npm ci'), ci);
  assert.doesNotMatch(ci, /apt-get install/);
});
