#!/usr/bin/env node
// `npm run package`: builds platform-specific .vsix files with vsce --target. Each one carries
// the bundles, media, and only its own platform's Dawn binary (node_modules/webgpu/dist/<p>/),
// which `spade train --backend webgpu` loads; the other platforms' binaries (19-39 MB each) stay
// out. `--target none` builds a universal .vsix without Dawn: everything works except WebGPU
// training, which falls back to the CPU.
// Usage: node scripts/package.mjs [--target linux-x64|linux-arm64|darwin-x64|darwin-arm64|win32-x64|win32-arm64|none|all]
//        (default: this machine's platform). Writes spade-studio-<target>-<version>.vsix.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// vsce target -> the webgpu package's folder for it (macOS ships one universal binary).
const DAWN_DIRS = {
  'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal', 'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64',
};
const { values } = parseArgs({ options: { target: { type: 'string' } } });
const host = `${process.platform}-${process.arch}`;
const asked = values.target ?? (DAWN_DIRS[host] ? host : 'none');
const targets = asked === 'all' ? [...Object.keys(DAWN_DIRS), 'none'] : [asked];
for (const t of targets) {
  if (t !== 'none' && !DAWN_DIRS[t]) {
    console.error(`[package] --target must be one of ${Object.keys(DAWN_DIRS).join(', ')}, none or all; got '${t}'`);
    process.exit(2);
  }
}
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
for (const t of ['dist/extension.js', 'dist/cli.js', 'dist/webview.js', 'dist/worker.js', 'dist/run_view.js']) {
  if (!fs.existsSync(path.join(root, t))) {
    console.error(`[package] ${t} is missing: run \`npm run build\` first (npm run package does).`);
    process.exit(1);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-package-'));
try {
  for (const t of targets) packageOne(t);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

function packageOne(target) {
  const out = path.join(root, `spade-studio-${target === 'none' ? 'universal' : target}-${version}.vsix`);
  const dawn = target === 'none' ? null : DAWN_DIRS[target];
  const ignore = path.join(tmp, `vscodeignore-${target}`);
  const extra = dawn ? ['!node_modules/webgpu/package.json', '!node_modules/webgpu/index.js', '!node_modules/webgpu/LICENSE.md', `!node_modules/webgpu/dist/${dawn}/**`] : [];
  fs.writeFileSync(ignore, fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8') + '\n' + extra.join('\n') + '\n');
  const args = [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--ignoreFile', ignore,
    '--no-rewrite-relative-links', '--no-update-package-json', '-o', out];
  // Without Dawn no node_modules are needed; with it, vsce's npm dependency walk must run so
  // that node_modules/webgpu is looked at at all (the ignore file then keeps only its binary).
  if (!dawn) args.push('--no-dependencies');
  if (target !== 'none') args.push('--target', target);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(out)) {
    console.error(`[package] vsce package --target ${target} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  const names = [];
  unzipSync(fs.readFileSync(out), { filter: (f) => { names.push(f.name); return false; } });
  const binary = dawn && `extension/node_modules/webgpu/dist/${dawn}/`;
  if (binary && !names.some((n) => n.startsWith(binary))) {
    console.error(`[package] ${path.basename(out)} lacks ${binary}: check .vscodeignore and node_modules/webgpu`);
    process.exit(1);
  }
  const foreign = names.filter((n) => n.startsWith('extension/node_modules/') && !(binary && (n.startsWith(binary) || /^extension\/node_modules\/webgpu\/[^/]+$/.test(n))));
  if (foreign.length) {
    console.error(`[package] ${path.basename(out)} holds unexpected files: ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ' ...' : ''}`);
    process.exit(1);
  }
  const mb = (fs.statSync(out).size / 1048576).toFixed(1);
  console.log(`[package] ${path.relative(root, out)}: ${mb} MB, ${names.length} files${dawn ? `, Dawn ${dawn}` : ', no Dawn (WebGPU training falls back to the CPU)'}`);
}
