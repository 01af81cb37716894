#!/usr/bin/env node
// Runs the mocha suites bundled in dist/test/suite inside a REAL VS Code extension host.
//
// Default: the VS Code server bundled in code-server (see setup.mjs), opened in headless Chromium.
//   The extension loads from this repo (extensionDevelopmentPath); the workspace is a fresh temp
//   copy of test/vscode/workspace/. Exit code = the test run's exit code.
// VSCODE_EXECUTABLE=/path/to/code: desktop VS Code through @vscode/test-electron instead.
//
// Env: SPADE_VSCODE_TIMEOUT_S (default 600), SPADE_TEST_VERBOSE=1 (server + browser console),
//      SPADE_TEST_GREP (mocha grep, read by the suite), KEEP_TMP=1 (keep the temp folder).
// Prerequisites: `npm run build`, `node test/vscode/setup.mjs`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import {
  paths, log, ms, makeSandbox, freePort, requireSetup, spawnGroup, killGroup, waitForHttp,
  launchChromium, guard, tail,
} from './harness.mjs';

const TAG = 'integration';
const timeoutS = Number(process.env.SPADE_VSCODE_TIMEOUT_S || 600);
const verbose = !!process.env.SPADE_TEST_VERBOSE;
// Workbench log lines that say nothing about our tests (offline machine, no account, chat UI).
const WORKBENCH_NOISE = new RegExp([
  '^\\[AgentHost', '^\\[ChatModelSelection\\]', '^\\[reconnection-grace-time\\]', '^\\[AccountPolicyGate\\]',
  '^\\[Service Worker\\]', '^Updating additional builtin extensions', '^Resolv(ing|ed) connection token',
  '^Creating a socket', 'ENOTFOUND', 'EAI_AGAIN', "authentication provider 'github'",
].join('|'));

if (!fs.existsSync(path.join(paths.suiteDir, 'index.js'))) {
  console.error(`[${TAG}] ${path.relative(paths.root, paths.suiteDir)}/index.js is missing: run \`npm run build\` first.`);
  process.exit(1);
}

const sandbox = makeSandbox('spade-vscode-it');
// Webviews opened by the suites render with the untrained stand-in: the shipped default model
// would keep SwiftShader busy for minutes a frame while the suites run.
fs.mkdirSync(path.join(sandbox.dir, 'user-data', 'User'), { recursive: true });
fs.writeFileSync(path.join(sandbox.dir, 'user-data', 'User', 'settings.json'), JSON.stringify({
  'spade.checkpoint': path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors'),
}, null, 2));
const finish = guard(TAG, timeoutS, () => {
  if (!process.env.KEEP_TMP) fs.rmSync(sandbox.dir, { recursive: true, force: true });
  else log(TAG, `kept ${sandbox.dir}`);
});

if (process.env.VSCODE_EXECUTABLE) {
  // Desktop VS Code (a machine that has one): keep it simple, test-electron does the rest.
  const { runTests } = await import('@vscode/test-electron');
  log(TAG, `desktop VS Code: ${process.env.VSCODE_EXECUTABLE}`);
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
      extensionDevelopmentPath: paths.root,
      extensionTestsPath: paths.suiteDir,
      extensionTestsEnv: { ...sandbox.env },
      launchArgs: [
        sandbox.workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome',
        '--skip-release-notes', '--user-data-dir', path.join(sandbox.dir, 'user-data'),
        '--extensions-dir', path.join(sandbox.dir, 'ext'),
      ],
    });
    log(TAG, 'PASS');
    finish(0);
  } catch (e) {
    console.error(`[${TAG}] FAIL: ${e?.message ?? e}`);
    finish(1);
  }
} else {
  await runInCodeServerVsCode();
}

async function runInCodeServerVsCode() {
  requireSetup();
  const t0 = Date.now();
  const port = await freePort();
  fs.mkdirSync(paths.results, { recursive: true });
  const serverLog = path.join(paths.results, 'integration-server.log');
  fs.writeFileSync(serverLog, '');
  const server = spawnGroup(paths.node24Bin, [
    paths.serverMain, '--host', '127.0.0.1', '--port', String(port),
    '--without-connection-token', '--accept-server-license-terms', '--enable-smoke-test-driver',
    '--user-data-dir', path.join(sandbox.dir, 'user-data'),
    '--server-data-dir', path.join(sandbox.dir, 'server'),
    '--extensions-dir', path.join(sandbox.dir, 'ext'),
    '--disable-telemetry', '--disable-workspace-trust',
  ], { env: sandbox.env, cwd: sandbox.dir, logFile: serverLog, tag: TAG });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/version`, server, 60_000, serverLog);
  log(TAG, `VS Code server up on ${base} in ${ms(t0)} ms (log: ${path.relative(paths.root, serverLog)})`);

  const browser = await launchChromium({ webgpu: true, env: sandbox.env });
  const page = await browser.newPage();
  const exitCode = new Promise((resolve) => {
    page.exposeFunction('codeAutomationExit', (code, logs) => {
      if (code !== 0 && Array.isArray(logs)) {
        const dir = path.join(paths.results, 'integration-logs');
        for (const l of logs) {
          if (typeof l?.relativePath !== 'string' || l.relativePath.includes('..')) continue;
          const f = path.join(dir, l.relativePath);
          fs.mkdirSync(path.dirname(f), { recursive: true });
          fs.writeFileSync(f, l.contents ?? '');
        }
        log(TAG, `VS Code logs written to ${path.relative(paths.root, dir)}/`);
      }
      resolve(code);
    });
  });
  // codeAutomationLog receives the workbench's log, which includes the extension host's console
  // (the mocha reporter and the extension's own output). Everything goes to a file; the terminal
  // gets it without the workbench's offline noise unless SPADE_TEST_VERBOSE is set.
  const consoleLog = path.join(paths.results, 'integration-console.log');
  fs.writeFileSync(consoleLog, '');
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    fs.appendFileSync(consoleLog, `[${type}] ${text}\n`);
    if (!verbose && WORKBENCH_NOISE.test(text)) return;
    if (type === 'error' || type === 'warn') console.error(text.split('\n').map((l) => `  [${type}] ${l}`).join('\n'));
    else console.log(text.split('\n').map((l) => `  ${l}`).join('\n'));
  });
  page.on('pageerror', (e) => verbose && console.error(`  [page error] ${e.message}`));
  page.on('console', (m) => verbose && console.log(`  [page ${m.type()}] ${m.text()}`));

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(paths.root)],
    ['extensionTestsPath', remote(paths.suiteDir)],
    ['skipWelcome', 'true'],
  ];
  const url = `${base}/?folder=${encodeURIComponent(sandbox.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(TAG, `opening workbench (workspace ${sandbox.workspace})`);
  const t1 = Date.now();
  await page.goto(url);

  const serverDied = server.exited.then((c) => {
    throw new Error(`VS Code server exited (${c}) before the tests finished; log tail:\n${tail(serverLog)}`);
  });
  let code;
  try {
    code = await Promise.race([exitCode, serverDied]);
  } catch (e) {
    console.error(`[${TAG}] ERROR: ${e.message}`);
    code = 1;
  }
  log(TAG, `${code === 0 ? 'PASS' : `FAIL (exit code ${code})`}: tests took ${ms(t1)} ms, ${ms(t0)} ms in all`);
  await browser.close().catch(() => {});
  killGroup(server.pid);
  finish(code === 0 ? 0 : typeof code === 'number' ? code : 1);
}
