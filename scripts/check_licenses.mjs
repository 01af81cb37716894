#!/usr/bin/env node
// Licence check of the production dependency tree (what the .vsix and the CLI ship): every
// package under `npm ls --omit=dev --all` must declare a licence from ALLOWED, or an SPDX
// expression whose OR-branches include one allowed choice and whose AND-parts are all allowed.
// Fails naming each offending package. `npm run licenses`; CI runs it before the tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Permissive licences that allow shipping inside a closed or open extension without obligations beyond notice. */
const ALLOWED = new Set([
  'MIT', 'MIT-0', 'ISC', '0BSD', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'Zlib', 'Unlicense', 'CC0-1.0', 'BlueOak-1.0.0', 'Python-2.0',
]);

function declared(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license.type === 'string') return pkg.license.type; // old object form
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => (typeof l === 'string' ? l : l?.type)).filter(Boolean).join(' OR ');
  return undefined;
}

/** True when an SPDX expression can be satisfied using allowed licences only. */
function permitted(expr) {
  const text = expr.replace(/[()]/g, ' ').trim();
  if (!text) return false;
  return text.split(/\s+OR\s+/i).some((branch) => branch.split(/\s+AND\s+/i).every((id) => ALLOWED.has(id.trim().replace(/\+$/, ''))));
}

const root = process.cwd();
const ownName = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name;
const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
const dirs = [...new Set(out.split('\n').map((l) => l.trim()).filter(Boolean))];
const bad = [];
const seen = new Map();
for (const dir of dirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (pkg.name === ownName && path.resolve(dir) === root) continue;
  const id = `${pkg.name}@${pkg.version}`;
  const lic = declared(pkg);
  seen.set(id, lic ?? '(none)');
  if (!lic) bad.push(`${id}: declares no licence (${path.relative(root, dir)})`);
  else if (!permitted(lic)) bad.push(`${id}: licence '${lic}' is not on the allow-list (${path.relative(root, dir)})`);
}
if (bad.length) {
  process.stderr.write(`licence check failed for ${bad.length} production package${bad.length > 1 ? 's' : ''}:\n  ${bad.join('\n  ')}\n`);
  process.exit(1);
}
const byLicence = {};
for (const lic of seen.values()) byLicence[lic] = (byLicence[lic] ?? 0) + 1;
console.log(`licence check: ${seen.size} production packages, all allowed (${Object.entries(byLicence).map(([l, n]) => `${l} ${n}`).join(', ')})`);
