#!/usr/bin/env node
// `npm start`: opens the sample label maps in a real VS Code with this extension loaded.
//   * A desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> <workspace> <sample>`.
//   * Otherwise the VS Code server from the `code-server` npm package (installed once into
//     .vscode-test/ by test/vscode/setup.mjs --server-only) with the packaged .vsix installed,
//     serving the workbench on 127.0.0.1; open the printed URL in a browser. Ctrl-C stops it.
// The workspace is a copy of media/samples in .spade-start/workspace (git-ignored), so painting
// and saving never touch the repo's samples. Files already there (your edits) are kept.
// Usage: node scripts/start.mjs [--port N] [--server]   (--server: skip the desktop `code`)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { paths } from '../test/vscode/paths.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, server: { type: 'boolean' } } });
const root = paths.root;
const state = path.join(root, '.spade-start');
const workspace = path.join(state, 'workspace');
const SAMPLE = 'landscape.label.png';
const log = (m) => console.log(`[start] ${m}`);

if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.error('[start] dist/extension.js is missing: run `npm run build` (npm start does it first).');
  process.exit(1);
}

fs.mkdirSync(workspace, { recursive: true });
const samples = path.join(root, 'media', 'samples');
for (const f of fs.readdirSync(samples)) {
  const to = path.join(workspace, f);
  if (!fs.existsSync(to)) fs.copyFileSync(path.join(samples, f), to);
}
const sample = path.join(workspace, SAMPLE);

const port = values.port ?? '8080';
if (!/^\d{2,5}$/.test(port) || Number(port) > 65535) {
  console.error(`[start] --port must be a TCP port number, got '${port}'`);
  process.exit(2);
}

/**
 * code-server's native modules (installed once) build against the Kerberos headers, found with
 * pkg-config: scripts/system_packages.mjs installs them with apt-get as root, otherwise prints
 * the command and exits 1.
 */
function ensureBuildPackages() {
  if (fs.existsSync(paths.codeServerMarker)) return; // built already
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'system_packages.mjs'), 'start'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[start] (or install VS Code, whose `code` needs neither), then npm start again.');
    process.exit(1);
  }
}

const hasCode = !values.server && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  log(`opening ${path.relative(root, workspace)} in VS Code with the extension from ${root}`);
  const r = spawnSync('code', [`--extensionDevelopmentPath=${root}`, workspace, sample], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

log('no desktop `code` on PATH: using the VS Code server (code-server) in the browser');
ensureBuildPackages();
const setup = spawnSync(process.execPath, [path.join(root, 'test', 'vscode', 'setup.mjs'), '--server-only'], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

// Install the extension as a user would: package the .vsix for this platform and install it
// with code-server's own CLI (a development path loads in desktop VS Code, not in code-server).
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const pack = spawnSync(process.execPath, [path.join(root, 'scripts', 'package.mjs')], { stdio: 'inherit' });
if (pack.status !== 0) process.exit(pack.status ?? 1);
// package.mjs names it for this platform, or "universal" where Dawn has no binary for it.
const hostVsix = `spade-studio-${process.platform}-${process.arch}-${version}.vsix`;
const vsix = fs.existsSync(path.join(root, hostVsix)) ? hostVsix : `spade-studio-universal-${version}.vsix`;
const dirs = ['--user-data-dir', path.join(state, 'user-data'), '--extensions-dir', path.join(state, 'extensions')];
const inst = spawnSync(paths.node24Bin, [paths.codeServerEntry, '--install-extension', path.join(root, vsix), '--force', ...dirs], { encoding: 'utf8' });
if (inst.status !== 0) {
  console.error(`[start] installing ${vsix} into code-server failed:\n${inst.stdout}\n${inst.stderr}`);
  process.exit(1);
}
log(`installed ${vsix}`);

const server = spawn(paths.node24Bin, [
  paths.codeServerEntry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', ...dirs,
  // The workspace is our own copy of the samples, so it is trusted.
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
], { stdio: ['ignore', 'pipe', 'pipe'] });
// (A URL payload's openFile always opens the text editor, so the user clicks the sample.)
const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
let announced = false;
const onOutput = (chunk) => {
  const text = chunk.toString();
  if (process.env.SPADE_START_VERBOSE) process.stdout.write(text);
  if (!announced && /Extension host agent listening|Web UI available|listening on/i.test(text)) {
    announced = true;
    log(`VS Code is ready. Open this URL in a browser and click ${SAMPLE} (or any sample):\n\n  ${url}\n`);
    log('Ctrl-C stops the server.');
  }
};
server.stdout.on('data', onOutput);
server.stderr.on('data', (c) => {
  onOutput(c);
  if (/EADDRINUSE/.test(c.toString())) console.error(`[start] port ${port} is taken: try \`npm start -- --port 8123\``);
});
server.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
