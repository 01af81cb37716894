#!/usr/bin/env node
// The Debian/Ubuntu packages a command needs (README's two commands): installed with apt-get when
// run as root, otherwise one line naming the exact command, and exit 1 before anything else runs.
// Usage: node scripts/system_packages.mjs test|start
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * test: Chromium for the browser and VS Code tests; libkrb5-dev and pkg-config for code-server's
 * native modules; Mesa's EGL/GLES for Dawn's software adapter in the WebGPU tests (Dawn opens the
 * unversioned libEGL.so, which only libegl-dev ships); the Vulkan loader, through which Dawn opens
 * the lavapipe that `npm run test:f16` fetches (scripts/lavapipe.mjs); CPU PyTorch for the
 * cross-checks against it (spade export's files among them).
 * start: only what code-server's native modules build against.
 */
export const NEEDS = {
  test: ['chromium', 'libkrb5-dev', 'pkg-config', 'libegl1', 'libegl-dev', 'libegl-mesa0', 'libgles2', 'libvulkan1', 'python3-torch'],
  start: ['libkrb5-dev', 'pkg-config'],
};

/**
 * What to do, from facts passed in (so tests need not uninstall anything): `installed(pkg)` is
 * dpkg's answer, or null where there is no dpkg (not Debian: nothing to check, nothing to do).
 */
export function plan({ needs, installed, uid, hasApt }) {
  const missing = [];
  for (const pkg of needs) {
    const ok = installed(pkg);
    if (ok === null) return { action: 'unknown', missing: [] };
    if (!ok) missing.push(pkg);
  }
  if (!missing.length) return { action: 'none', missing };
  const install = ['apt-get', 'install', '-y', ...missing];
  if (uid === 0 && hasApt) return { action: 'install', missing, commands: [['apt-get', 'update', '-qq'], install] };
  return { action: 'tell', missing, line: `missing Debian packages: ${missing.join(' ')}; run: sudo ${install.join(' ')}` };
}

/** dpkg's view of one package: true when installed, false when not, null without dpkg. */
export function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  if (r.error) return null;
  return r.status === 0 && /\binstall ok installed\b/.test(r.stdout);
}

function main(which) {
  const needs = NEEDS[which];
  if (!needs) {
    console.error(`[system-packages] say which command: ${Object.keys(NEEDS).join(' or ')}`);
    process.exit(2);
  }
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  const p = plan({ needs, installed: dpkgInstalled, uid: process.getuid?.() ?? -1, hasApt });
  if (p.action === 'tell') {
    console.error(`[system-packages] ${p.line}`);
    process.exit(1);
  }
  if (p.action !== 'install') return;
  console.log(`[system-packages] installing ${p.missing.join(' ')} with apt-get (npm ${which} needs them)`);
  for (const [cmd, ...args] of p.commands) {
    const r = spawnSync(cmd, [...args, ...(args[0] === 'install' ? ['-qq'] : [])], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) {
      console.error(`[system-packages] ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}); install ${p.missing.join(' ')} and run npm ${which} again`);
      process.exit(1);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv[2]);
