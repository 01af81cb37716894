#!/usr/bin/env node
// Mesa 25's lavapipe (Vulkan on the CPU, with shader-f16) for Dawn, in a folder of the project:
// Debian 12's own Mesa 22.3 is too old for Dawn's Vulkan backend, so the f16 WebGPU tests fail
// there. This fetches three packages from bookworm-backports with `apt-get download` (no root:
// apt's lists and the .debs stay in the cache), unpacks them with dpkg-deb, and prints the
// environment that points Dawn at them (`npm run test:f16` runs the f16 tests with it).
// Usage: node scripts/lavapipe.mjs [cache folder, default .lavapipe]   (prints KEY=value lines)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGES = ['mesa-vulkan-drivers', 'libdrm2', 'libdrm-amdgpu1'];
export const SOURCE = 'deb http://deb.debian.org/debian bookworm-backports main';

/** The environment that makes Dawn open the unpacked lavapipe. */
export function envFor(cache) {
  const root = path.join(cache, 'root');
  return {
    VK_ICD_FILENAMES: path.join(root, 'usr/share/vulkan/icd.d/lvp_icd.json'),
    LD_LIBRARY_PATH: path.join(root, 'usr/lib/x86_64-linux-gnu'),
    XDG_RUNTIME_DIR: path.join(cache, 'xdg'),
  };
}

/** apt's options that keep its sources, lists and state inside the cache (no root needed). */
export function aptOptions(cache) {
  return [
    '-o', `Dir::Etc::SourceList=${path.join(cache, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=-',
    '-o', `Dir::State::Lists=${path.join(cache, 'lists')}`,
    '-o', `Dir::Cache=${path.join(cache, 'apt-cache')}`,
    '-o', 'Debug::NoLocking=1',
  ];
}

/** The commands, in order: apt's lists, the download, one unpack per .deb (named once downloaded). */
export function commands(cache, debs = []) {
  return [
    ['apt-get', ...aptOptions(cache), 'update', '-qq'],
    ['apt-get', ...aptOptions(cache), 'download', ...PACKAGES.map((p) => `${p}/bookworm-backports`)],
    ...debs.map((deb) => ['dpkg-deb', '-x', deb, path.join(cache, 'root')]),
  ];
}

function run(cmd, cwd) {
  // apt's progress goes to stderr: stdout carries only the environment lines.
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, stdio: ['ignore', process.stderr, 'inherit'] });
  if (r.error || r.status !== 0) {
    process.stderr.write(`lavapipe: ${cmd.slice(0, 1).concat(cmd.slice(-3)).join(' ')} failed${r.error ? `: ${r.error.message}` : ''}\n`);
    process.exit(1);
  }
}

function main() {
  const cache = path.resolve(process.argv[2] ?? '.lavapipe');
  const env = envFor(cache);
  if (!fs.existsSync(env.VK_ICD_FILENAMES)) {
    const debsDir = path.join(cache, 'debs');
    for (const dir of [debsDir, path.join(cache, 'lists', 'partial'), path.join(cache, 'apt-cache', 'archives', 'partial')]) {
      fs.mkdirSync(dir, { recursive: true });
    }
    fs.writeFileSync(path.join(cache, 'sources.list'), `${SOURCE}\n`);
    const [update, download] = commands(cache);
    run(update, cache);
    run(download, debsDir);
    const debs = fs.readdirSync(debsDir).filter((f) => f.endsWith('.deb')).map((f) => path.join(debsDir, f));
    for (const unpack of commands(cache, debs).slice(2)) run(unpack, cache);
    if (!fs.existsSync(env.VK_ICD_FILENAMES)) {
      process.stderr.write(`lavapipe: unpacked, but ${env.VK_ICD_FILENAMES} is missing\n`);
      process.exit(1);
    }
  }
  fs.mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
