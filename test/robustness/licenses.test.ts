// scripts/check_licenses.mjs on a made-up project: it must name a copyleft or undeclared
// production dependency, accept SPDX expressions with an allowed choice, and ignore dev dependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/dataset_builder';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'check_licenses.mjs');

function project(
  root: string,
  deps: Record<string, Record<string, unknown>>,
  dev: Record<string, Record<string, unknown>> = {},
): void {
  const version = (m: Record<string, unknown>) => Object.fromEntries(Object.keys(m).map((k) => [k, '1.0.0']));
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: 'probe', version: '1.0.0', dependencies: version(deps), devDependencies: version(dev) }),
  );
  for (const [name, fields] of Object.entries({ ...deps, ...dev })) {
    fs.mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'node_modules', name, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', ...fields }),
    );
  }
}

const run = (cwd: string) => spawnSync(process.execPath, [SCRIPT], { cwd, encoding: 'utf8', timeout: 120_000 });

test('the licence check names copyleft and undeclared production packages and passes permissive ones', (t) => {
  const root = tempDir(t);
  project(root, { ok: { license: 'MIT' }, dual: { license: '(MIT OR GPL-3.0-only)' }, gpl: { license: 'GPL-3.0-only' }, none: {} }, { devgpl: { license: 'AGPL-3.0' } });
  const r = run(root);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /gpl@1\.0\.0: licence 'GPL-3\.0-only' is not on the allow-list/);
  assert.match(r.stderr, /none@1\.0\.0: declares no licence/);
  assert.doesNotMatch(r.stderr, /devgpl|dual|ok@/);

  const clean = tempDir(t);
  project(clean, { ok: { license: 'MIT' }, dual: { license: '(MIT OR GPL-3.0-only)' }, both: { license: 'Apache-2.0 AND MIT' }, old: { licenses: [{ type: 'BSD-3-Clause' }] } }, { devgpl: { license: 'AGPL-3.0' } });
  const c = run(clean);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /4 production packages, all allowed/);
});
