// Shared plumbing for the real-VS-Code runners (run-integration.mjs, run-e2e.mjs): temp dirs with
// their own HOME/XDG dirs, free ports, servers in their own session/process group that are always
// killed as a whole (no leftover agentHost / pty), headless Chromium via playwright-core, and an
// overall timeout.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { paths } from './paths.mjs';

export { paths };

export const log = (tag, msg) => console.log(`[${tag}] ${msg}`);
export const ms = (t0) => Date.now() - t0;

/** A fresh temp folder with home/, xdg dirs, a copy of the workspace template, and env for children. */
export function makeSandbox(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const home = path.join(dir, 'home');
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_RUNTIME_DIR: path.join(dir, 'run'),
    // Tests never talk to a terminal's language/locale server, but keep messages stable.
    LANG: process.env.LANG || 'C.UTF-8',
  };
  for (const k of ['XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR']) {
    fs.mkdirSync(env[k], { recursive: true, mode: 0o700 });
  }
  const workspace = path.join(dir, 'workspace');
  fs.cpSync(paths.workspaceTemplate, workspace, { recursive: true });
  return { dir, home, env, workspace };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function requireSetup() {
  const missing = [paths.node24Bin, paths.serverMain, paths.codeServerMarker].filter((p) => !fs.existsSync(p));
  if (missing.length) {
    throw new Error(`not set up (missing ${missing.map((p) => path.relative(paths.root, p)).join(', ')}): ` +
      'run `node test/vscode/setup.mjs` first');
  }
}

// ---- process groups ------------------------------------------------------------------------------
const groups = new Set(); // pids of session leaders we started

/** Every live process whose session or process group is `pid`, plus all their descendants. */
function treeOf(pid) {
  const procs = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session ...
      procs.push({ pid: +e, ppid: +f[1], pgrp: +f[2], sid: +f[3] });
    } catch { /* gone */ }
  }
  const set = new Set(procs.filter((p) => p.pid === pid || p.pgrp === pid || p.sid === pid).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!set.has(p.pid) && set.has(p.ppid)) { set.add(p.pid); grew = true; }
  }
  return [...set];
}

function signalTree(pid, sig) {
  const pids = treeOf(pid);
  try { process.kill(-pid, sig); } catch { /* group gone */ }
  for (const p of pids) { try { process.kill(p, sig); } catch { /* gone */ } }
  return pids.length;
}

/** Synchronous, so it also works from 'exit' handlers: TERM, wait up to `graceMs`, then KILL. */
export function killGroup(pid, graceMs = 3000) {
  if (!groups.has(pid)) return;
  groups.delete(pid);
  if (!signalTree(pid, 'SIGTERM')) return;
  const end = Date.now() + graceMs;
  while (Date.now() < end && treeOf(pid).length) spawnSync('sleep', ['0.1']);
  const left = signalTree(pid, 'SIGKILL');
  if (left) spawnSync('sleep', ['0.2']);
}

export function killAllGroups() {
  for (const pid of [...groups]) killGroup(pid);
}

/**
 * Spawns `cmd` in a new session (setsid: its own process group), output appended to `logFile`.
 * Resolves the child; `child.exited` is a promise of its exit code.
 */
export function spawnGroup(cmd, args, { env, cwd, logFile, tag }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  groups.add(child.pid);
  child.exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
  if (process.env.SPADE_TEST_VERBOSE) log(tag, `pid ${child.pid}: ${cmd} ${args.join(' ')}`);
  return child;
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `url` until it answers (any HTTP status < 500), the child exits, or `timeoutMs` passes. */
export async function waitForHttp(url, child, timeoutMs, logFile) {
  const t0 = Date.now();
  let exited = null;
  child.exited.then((c) => { exited = c; });
  for (;;) {
    if (exited !== null) throw new Error(`server exited with ${exited} before answering ${url}; log tail:\n${tail(logFile)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status < 500) return;
    } catch { /* not up yet */ }
    if (Date.now() - t0 > timeoutMs) throw new Error(`server did not answer ${url} within ${timeoutMs / 1000} s; log tail:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---- Chromium ----------------------------------------------------------------------------------
export const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Headless system Chromium through playwright-core; `webgpu` adds --enable-unsafe-webgpu. */
export async function launchChromium({ webgpu, env }) {
  if (!fs.existsSync(paths.chromium)) {
    throw new Error(`${paths.chromium} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: paths.chromium,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
    env,
  });
}

// ---- exit handling -----------------------------------------------------------------------------
/**
 * Installs an overall timeout and signal/exit handlers that kill every process group we started.
 * Returns `finish(code)`, which cleans up and exits.
 */
export function guard(tag, timeoutS, cleanupExtra = () => {}) {
  let done = false;
  const finish = (code) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    try { cleanupExtra(); } catch { /* best effort */ }
    killAllGroups();
    process.exit(code);
  };
  const timer = setTimeout(() => {
    console.error(`[${tag}] TIMEOUT: no result after ${timeoutS} s (set SPADE_VSCODE_TIMEOUT_S to change); ` +
      'killing VS Code and Chromium.');
    finish(124);
  }, timeoutS * 1000);
  process.on('exit', () => killAllGroups());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { console.error(`[${tag}] ${sig}: cleaning up`); finish(130); });
  }
  process.on('uncaughtException', (e) => { console.error(`[${tag}] ERROR:`, e); finish(1); });
  process.on('unhandledRejection', (e) => { console.error(`[${tag}] ERROR:`, e); finish(1); });
  return finish;
}
