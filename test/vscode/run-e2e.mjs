#!/usr/bin/env node
// End-to-end, as a person sees it: package the extension (.vsix), install it into a real code-server,
// open a label map in headless Chromium, wait for the synthesized image, paint, save.
//
// Usage: node test/vscode/run-e2e.mjs [--backend webgpu|auto|webgl|all]   (default: all = webgpu, auto, webgl)
//   webgpu: Chromium with --enable-unsafe-webgpu (SwiftShader adapter), spade.inferenceBackend
//           webgpu: #status data-backend must be webgpu.
//   auto:   the same Chromium, spade.inferenceBackend auto and the shipped default model: both GPU
//           adapters are software, so data-backend must be wasm and #status must say why. First
//           image and a stroke only.
//   webgl:  Chromium without WebGPU, spade.inferenceBackend webgl: data-backend must be webgl.
// After the first image and a stroke (always), the scenarios: base (save, export, checkpoint switch),
// paint (zoom, pan and shapes on a zoomed map, Replace class; the saved ids checked),
// a11y (title-bar and Explorer actions, keyboard, announcements, axe-core), styles (the Styles panel),
// hide-show (webview state restore), hot-exit (window reload with an unsaved stroke), gpu-loss
// (WebGPU device lost; webgpu run only), run-view (a real spade train followed in the run view).
// paint, a11y, styles, hide-show, hot-exit and run-view run on the last backend of the run (webgl
// in a full run).
// Env: SPADE_E2E_BACKENDS (same as --backend), SPADE_E2E_ONLY (comma list of scenarios, to iterate
//      on some; CI runs all), SPADE_VSCODE_TIMEOUT_S (whole run, default 900),
//      SPADE_E2E_FIRST_IMAGE_S (open -> first image, default 240), SPADE_TEST_VERBOSE=1, KEEP_TMP=1,
//      SPADE_E2E_MODEL=stand-in (the auto run on the untrained stand-in instead of the default model).
// Writes test-results/e2e-<backend>-*.png, e2e-<backend>.json, e2e-<backend>-server.log, and appends
// the preview's latency trace (first picture, stroke; the auto run also a second, warm tab) to
// test-results/preview-timings.json (see e2e_timings.mjs and docs/benchmarks.md).
// Prerequisites: `npm run build`, `node test/vscode/setup.mjs`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { decode as decodePng } from 'fast-png';
import { driveStyles } from './e2e_styles.mjs';
import { drivePaint } from './e2e_paint.mjs';
import { driveGpuLoss } from './e2e_gpu_loss.mjs';
import { driveHideShow, driveHotExit } from './e2e_restore.mjs';
import { driveA11y } from './e2e_a11y.mjs';
import { driveRunView } from './e2e_run_view.mjs';
import { appendTimings, readTraces, timingsRecord, waitForTrace } from './e2e_timings.mjs';
import {
  paths, log, ms, makeSandbox, freePort, requireSetup, spawnGroup, killGroup, waitForHttp,
  launchChromium, guard,
} from './harness.mjs';

const TAG = 'e2e';
const SAMPLE = 'sample.label.png';
// A second label map, opened in the same window after the first: the warm tab the latency goal is about.
const SECOND = 'second.label.png';
const EXPECTED_DIRTY_S = 60;
// Canvas regions as fractions of the canvas size: all of it, and the box around the test's stroke.
const FULL = { x0: 0, y0: 0, x1: 1, y1: 1 };
const STROKE_BOX = { x0: 0.05, y0: 0.05, x1: 0.95, y1: 0.95 };
const timeoutS = Number(process.env.SPADE_VSCODE_TIMEOUT_S || 900);
const firstImageS = Number(process.env.SPADE_E2E_FIRST_IMAGE_S || 240);
const verbose = !!process.env.SPADE_TEST_VERBOSE;

const argBackend = (() => {
  const i = process.argv.indexOf('--backend');
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith('--backend='));
  return eq ? eq.slice('--backend='.length) : process.env.SPADE_E2E_BACKENDS || 'all';
})();
const backends = argBackend === 'all' ? ['webgpu', 'auto', 'webgl'] : argBackend.split(',');
for (const b of backends) {
  if (b !== 'webgpu' && b !== 'webgl' && b !== 'auto') {
    console.error(`[${TAG}] unknown backend '${b}': use webgpu, auto, webgl or all`);
    process.exit(2);
  }
}

const SCENARIOS = ['base', 'paint', 'a11y', 'styles', 'hide-show', 'hot-exit', 'gpu-loss', 'run-view'];
const only = process.env.SPADE_E2E_ONLY ? process.env.SPADE_E2E_ONLY.split(',') : SCENARIOS;
for (const s of only) {
  if (!SCENARIOS.includes(s)) {
    console.error(`[${TAG}] unknown scenario '${s}' in SPADE_E2E_ONLY: use ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}
const runs = (scenario) => only.includes(scenario);

class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-e2e-'));
const sandboxes = [];
const finish = guard(TAG, timeoutS, () => {
  for (const d of [...sandboxes, tmpRoot]) {
    if (!process.env.KEEP_TMP) fs.rmSync(d, { recursive: true, force: true });
    else log(TAG, `kept ${d}`);
  }
});

requireSetup();
for (const f of ['dist/extension.js', 'dist/webview.js']) {
  if (!fs.existsSync(path.join(paths.root, f))) {
    console.error(`[${TAG}] ${f} is missing: run \`npm run build\` first.`);
    finish(1);
  }
}
fs.mkdirSync(paths.results, { recursive: true });

const timings = {};
const vsix = packageVsix();
let code = 0;
for (const backend of backends) {
  try {
    await runOne(backend);
    log(TAG, `${backend}: PASS`);
  } catch (e) {
    code = 1;
    console.error(`[${TAG}] ${backend}: FAIL: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
  }
}
log(TAG, `timings (ms): ${JSON.stringify(timings)}`);
log(TAG, code === 0 ? `PASS (${backends.join(', ')})` : 'FAIL');
finish(code);

// -------------------------------------------------------------------------------------------------

function packageVsix() {
  const t0 = Date.now();
  const out = path.join(tmpRoot, 'spade-studio.vsix');
  const vsceBin = path.join(paths.root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsceBin, 'package', '--no-dependencies', '--no-rewrite-relative-links',
    '--no-update-package-json', '-o', out];
  const r = spawnSync(process.execPath, args, { cwd: paths.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !fs.existsSync(out)) {
    console.error(`[${TAG}] vsce package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    finish(1);
  }
  timings.package = ms(t0);
  // What went in: bundles built into dist/ but left out of the .vsix (by .vscodeignore) break the
  // installed extension only, so name them here.
  const entries = [];
  unzipSync(fs.readFileSync(out), { filter: (f) => { entries.push(f.name); return false; } });
  const packed = new Set(entries.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)));
  const built = fs.readdirSync(path.join(paths.root, 'dist')).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => `dist/${f}`);
  const left = built.filter((f) => !packed.has(f));
  log(TAG, `packaged ${path.basename(out)} (${(fs.statSync(out).size / 1024).toFixed(0)} KiB) in ${timings.package} ms: ` +
    `${[...packed].filter((f) => f.startsWith('dist/')).sort().join(', ')}`);
  if (left.length) log(TAG, `WARNING: built but not in the .vsix (see .vscodeignore): ${left.join(', ')}`);
  return out;
}

async function runOne(backend) {
  const T = (timings[backend] = {});
  const sb = makeSandbox(`spade-e2e-${backend}`);
  sandboxes.push(sb.dir);
  const sample = path.join(sb.workspace, SAMPLE);
  fs.copyFileSync(path.join(paths.root, 'media', 'samples', 'landscape.label.png'), sample);
  fs.copyFileSync(path.join(paths.root, 'media', 'samples', 'landscape.label.png'), path.join(sb.workspace, SECOND));
  const userData = path.join(sb.dir, 'user-data');
  const extDir = path.join(sb.dir, 'ext');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    // VS Code's default; the hot-exit scenario reloads the window with an unsaved stroke.
    'files.hotExit': 'onExit',
    // VS Code in a browser defaults to autoSave "afterDelay" (desktop: "off"), which saved the
    // stroke within a second and made the dirty check flaky; test the desktop flow.
    'files.autoSave': 'off',
    'spade.inferenceBackend': backend,
    // The shipped default model takes half a minute a frame on SwiftShader's software WebGPU; the
    // untrained stand-in exercises the same pipeline in seconds (the default model's output is
    // checked in Node by test/cli/default_model.test.ts). The auto run (wasm) uses the default model.
    ...(backend === 'auto' && process.env.SPADE_E2E_MODEL !== 'stand-in'
      ? {} : { 'spade.checkpoint': path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors') }),
  }, null, 2));

  // Install the .vsix with code-server's own CLI.
  let t0 = Date.now();
  const inst = spawnSync(paths.node24Bin, [paths.codeServerEntry, '--install-extension', vsix,
    '--extensions-dir', extDir, '--user-data-dir', userData], { env: sb.env, encoding: 'utf8', timeout: 120_000 });
  if (inst.status !== 0) fail(`code-server --install-extension failed (${inst.status ?? inst.signal}):\n${inst.stdout}\n${inst.stderr}`);
  T.install = ms(t0);

  // Start code-server (its own session/process group).
  t0 = Date.now();
  const port = await freePort();
  const serverLog = path.join(paths.results, `e2e-${backend}-server.log`);
  fs.writeFileSync(serverLog, '');
  const server = spawnGroup(paths.node24Bin, [paths.codeServerEntry,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', userData,
    '--extensions-dir', extDir, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', sb.workspace,
    // SPADE_TEST_HOOKS reaches the extension host, which then gives its webviews the test hook
    // (__spadeDebug.loseGpu); nothing else turns it on.
  ], { env: { ...sb.env, SPADE_TEST_HOOKS: '1' }, cwd: sb.dir, logFile: serverLog, tag: TAG });
  const base = `http://127.0.0.1:${port}`;
  let browser;
  try {
    await waitForHttp(`${base}/healthz`, server, 60_000, serverLog);
    T.serverStart = ms(t0);
    log(TAG, `${backend}: extension installed in ${T.install} ms; code-server up on ${base} in ${T.serverStart} ms`);

    browser = await launchChromium({ webgpu: backend !== 'webgl', env: sb.env });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => verbose && console.error(`  [page error] ${e.message}`));
    page.on('console', (m) => {
      if (verbose || (m.type() === 'error' && /spade|webview|label/i.test(m.text()))) console.log(`  [console ${m.type()}] ${m.text()}`);
    });
    const shot = (name) => page.screenshot({ path: path.join(paths.results, `e2e-${backend}-${name}.png`) }).catch(() => {});
    try {
      await drive(page, backend, base, sb.workspace, sample, T, shot, userData);
    } catch (e) {
      await shot('failure');
      if (e instanceof Failure) e.message += `\n  screenshot: test-results/e2e-${backend}-failure.png; server log: ${path.relative(paths.root, serverLog)}`;
      throw e;
    }
  } finally {
    await browser?.close().catch(() => {});
    killGroup(server.pid);
    fs.writeFileSync(path.join(paths.results, `e2e-${backend}.json`), JSON.stringify(T, null, 2) + '\n');
  }
}

async function drive(page, backend, base, workspace, sample, T, shot, userData) {
  // 1. Workbench.
  let t0 = Date.now();
  await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  T.workbench = ms(t0);

  // 2. Open the sample from the Explorer (our custom editor is the default for *.label.png), once
  //    the remote extension host runs (before that the workbench does not know our editor yet).
  t0 = Date.now();
  await waitForContributions(page);
  T.contributions = ms(t0);
  await closeWalkthrough(page);
  const tOpen = await openInCustomEditor(page, SAMPLE, T);

  // 3. Our webview: the nested iframe that holds #status.
  const frame = await findFrame(page, '#status', 90_000).catch(async (e) => {
    await shot('no-webview');
    const frames = page.frames().map((f) => f.url().replace(/\?.*/, '')).join('\n    ');
    fail(`SPADE webview not found: no frame with #status within 90 s after opening ${SAMPLE}.\n` +
      `  Expected the label-map custom editor (a webview with #mask-canvas, #output-canvas, #status).\n` +
      `  Is it implemented, registered for *.label.png, and does dist/webview.js render it?\n` +
      `  Frames seen:\n    ${frames}\n  (${e.message})`);
  });
  T.webview = ms(tOpen);
  for (const sel of ['#mask-canvas', '#output-canvas']) {
    if (!(await frame.$(sel))) fail(`webview has #status but no ${sel} (UI contract: #mask-canvas, #output-canvas, #status)`);
  }

  // 4. First image: data-frames ≥ 1 and a non-blank #output-canvas.
  // data-latency per finished frame, as seen while polling (frames that finish between polls are missed).
  T.frameLatencies = {};
  const status = async (f) => {
    const s = await readStatus(f);
    if (s.frames >= 1 && s.latency !== null) T.frameLatencies[s.frames] ??= s.latency;
    return s;
  };
  let st;
  await until(`first image (data-frames ≥ 1, #output-canvas not blank) within ${firstImageS} s`, firstImageS * 1000, async () => {
    st = await status(frame);
    if (st.error) fail(`webview reports an error in #status: ${st.error}`);
    if (!(st.frames >= 1)) return false;
    const o = await canvasStats(frame, '#output-canvas', FULL, false);
    return o && !o.blank;
  }, async () => `last #status: ${JSON.stringify(await status(frame).catch(() => null))}`);
  T.openToFirstImage = ms(tOpen);
  T.firstLatency = st.latency;
  log(TAG, `${backend}: webview in ${T.webview} ms, first image ${T.openToFirstImage} ms after open ` +
    `(data-latency ${st.latency ?? 'n/a'} ms, backend ${st.backend})`);
  await shot('first-image');
  const coldTrace = await waitForTrace(frame, 'open', tOpen, until, 'the first picture\'s latency trace (__spadeDebug.traces)');
  const expected = backend === 'auto' ? 'wasm' : backend;
  if (st.backend !== expected) fail(`#status data-backend is '${st.backend}', expected '${expected}' (spade.inferenceBackend ${backend}): "${st.text}"`);
  if (backend === 'auto' && !/webgpu, webgl: software adapter/.test(st.text)) fail(`#status should say why the GPU backends were passed over: "${st.text}"`);

  // 5. Paint a diagonal stroke across the mask (crosses every class of the sample).
  const maskBefore = await canvasStats(frame, '#mask-canvas', STROKE_BOX);
  const outBefore = await canvasStats(frame, '#output-canvas', STROKE_BOX);
  const framesBefore = st.frames;
  const diskBefore = sha(sample);
  t0 = Date.now();
  await paintLine(page, frame, [0.1, 0.1], [0.9, 0.9]);

  let maskChanged = 0;
  await until('mask pixels to change in the stroke region after dragging across #mask-canvas', 10_000, async () => {
    maskChanged = diffCount(maskBefore, await canvasStats(frame, '#mask-canvas', STROKE_BOX));
    return maskChanged > 0;
  });

  // 6. A new frame for the edited mask, and a changed output in that region.
  let outChanged = 0;
  await until('a new output frame after the stroke that differs in the stroke region', 120_000, async () => {
    st = await status(frame);
    if (!(st.frames > framesBefore)) return false;
    outChanged = diffCount(outBefore, await canvasStats(frame, '#output-canvas', STROKE_BOX));
    return outChanged > 0;
  }, async () => `last #status: ${JSON.stringify(await status(frame).catch(() => null))}`);
  T.strokeToNewImage = ms(t0);
  T.strokeLatency = st.latency;
  const strokeTrace = await waitForTrace(frame, 'stroke', t0, until, 'the stroke\'s latency trace (__spadeDebug.traces)');
  log(TAG, `${backend}: stroke changed ${maskChanged} mask px and ${outChanged} output px; new image ${T.strokeToNewImage} ms ` +
    `after the stroke began (data-latency ${st.latency ?? 'n/a'} ms, frames ${st.frames})`);

  // 7. The tab shows dirty.
  const dirtyTab = page.locator('.tabs-container .tab.dirty', { hasText: SAMPLE });
  await dirtyTab.first().waitFor({ timeout: EXPECTED_DIRTY_S * 1000 }).catch(() =>
    fail(`the editor tab for ${SAMPLE} did not show dirty within ${EXPECTED_DIRTY_S} s after painting`));
  await shot('painted');
  // The warm tab: a second label map in the same window (auto run only: the later scenarios act on the first tab).
  const warmTrace = backend === 'auto' ? await openWarmTab(page, until) : null;
  const record = timingsRecord({ backend, cold: coldTrace, warm: warmTrace, stroke: strokeTrace });
  appendTimings(record);
  log(TAG, `${backend}: preview timings (trace): ${JSON.stringify({ ...record, marks: undefined, run: undefined })}`);
  if (backend === 'auto') return;

  // 8-11: save, export, and a checkpoint switch (scenario base). Leaves the preview on the
  // checkpoint it switched to.
  let checkpoint = path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors');
  if (runs('base')) {
    // 8. Ctrl+S writes the file.
    t0 = Date.now();
    await page.keyboard.press('Control+S');
    await until(`${SAMPLE} to change on disk after Ctrl+S`, 30_000, () => sha(sample) !== diskBefore);
    T.save = ms(t0);
    await until('the tab to lose its dirty mark after saving', 10_000, async () => (await dirtyTab.count()) === 0)
      .catch((e) => fail(e.message));
    log(TAG, `${backend}: saved in ${T.save} ms (${fs.statSync(sample).size} bytes on disk); ` +
      `data-latency by frame: ${JSON.stringify(T.frameLatencies)}`);
    await shot('saved');

    // 9. SPADE: Export Synthesized Image writes <name>.seed<N>.png (or .style-<image>.png) beside the mask.
    const exportName = new RegExp(`^${SAMPLE.replace(/\.label\.png$/, '').replace(/[.]/g, '\\.')}\\.(seed\\d+|style-[\\w.-]+)\\.png$`);
    const exportedNow = () => fs.readdirSync(path.dirname(sample)).filter((n) => exportName.test(n));
    for (const n of exportedNow()) fs.rmSync(path.join(path.dirname(sample), n));
    t0 = Date.now();
    await runCommand(page, 'SPADE: Export Synthesized Image');
    // The sample is larger than the stand-in model's output: the size question, both sizes in pixels.
    await pickExportSize(page, 'Model size', shot);
    await until('<map>.seed<N>.png to be written by SPADE: Export Synthesized Image', 60_000, () => exportedNow().length > 0);
    const exported = path.join(path.dirname(sample), exportedNow()[0]);
    const png = decodePng(fs.readFileSync(exported));
    const out = await canvasStats(frame, '#output-canvas', FULL, false);
    if (png.width !== out.width || png.height !== out.height) fail(`exported ${png.width}x${png.height}, the preview is ${out.width}x${out.height}`);
    log(TAG, `${backend}: exported ${path.basename(exported)} (${png.width}x${png.height}) in ${ms(t0)} ms`);

    // 9b. The toolbar's Copy puts the picture on the clipboard (a click: the webview may write it).
    await copyPicture(page, frame, png);

    // 10. Pointing spade.checkpoint at another file reloads the preview with it.
    const other = path.join(path.dirname(sample), 'other.safetensors');
    fs.copyFileSync(path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors'), other);
    fs.mkdirSync(path.join(path.dirname(sample), '.vscode'), { recursive: true });
    st = await status(frame);
    let framesAt = st.frames;
    fs.writeFileSync(path.join(path.dirname(sample), '.vscode', 'settings.json'), JSON.stringify({ 'spade.checkpoint': 'other.safetensors' }));
    await until('the preview to render with other.safetensors after the setting changed', 180_000, async () => {
      st = await status(frame);
      return st.text.includes('other.safetensors') && st.frames > framesAt;
    }, async () => `last #status: ${JSON.stringify(st)}`);

    // 11. Rewriting that file (as a fine-tuning run does) reloads it again.
    framesAt = st.frames;
    fs.copyFileSync(path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors'), other + '.tmp');
    fs.renameSync(other + '.tmp', other);
    await until('a new frame after other.safetensors was rewritten', 180_000, async () => (st = await status(frame)).frames > framesAt,
      async () => `last #status: ${JSON.stringify(st)}`);
    log(TAG, `${backend}: checkpoint switch and rewrite both reloaded the preview`);
    await shot('checkpoint-reloaded');
    checkpoint = other;
  }

  // 12. The Styles panel, once, on the last backend (webgl in a full run: SwiftShader's WebGPU is
  //     far slower, and the panel renders many frames). Then, on that backend too, the state
  //     restore scenarios; and on webgpu, the device loss (last: the rest of the run would be on
  //     its fallback).
  const last = backend === backends[backends.length - 1];
  const ctx = {
    page, frame, backend, workspace, sample, userData, T, shot, until, runCommand, canvasStats, diffCount, fail, readStatus,
    findFrame, paintLine, sha, dirtyTab, pickExportSize,
  };
  if (runs('paint') && last) await drivePaint(ctx);
  if (runs('a11y') && last) T.a11y = await driveA11y(ctx);
  if (runs('styles') && last) await driveStyles({ ...ctx, checkpoint });
  if (runs('hide-show') && last) ctx.frame = await driveHideShow(ctx);
  if (runs('hot-exit') && last) ctx.frame = await driveHotExit(ctx);
  if (runs('gpu-loss') && backend === 'webgpu') await driveGpuLoss(ctx);
  if (runs('run-view') && last) T.runView = await driveRunView(ctx);
}

/** Opens SECOND from the Explorer and returns its first picture's latency trace (from its own webview). */
async function openWarmTab(page, until) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: SECOND });
  await row.first().waitFor({ timeout: 30_000 }).catch(() => fail(`${SECOND} is not in the Explorer`));
  const since = Date.now();
  await row.first().dblclick();
  let trace = null;
  await until(`the first picture of ${SECOND} (its latency trace)`, 120_000, async () => {
    for (const f of page.frames()) {
      const t = (await readTraces(f))?.open;
      if (t && t.marks.open >= since - 5 && t.marks.painted !== undefined) trace = t;
    }
    return trace !== null;
  });
  return trace;
}

/** Runs a command from the palette by its exact title (the list fills lazily, so retry). */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    await page.keyboard.press('F1');
    if (await input.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title });
      if (await row.first().waitFor({ timeout: 3000 }).then(() => true, () => false)) {
        await row.first().click();
        return;
      }
      await page.keyboard.press('Escape');
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  fail(`the command palette never listed '${title}'`);
}

// ---- helpers -----------------------------------------------------------------------------------

/** Drags the mouse across #mask-canvas from `from` to `to` ([x, y] as fractions of its box on screen). */
async function paintLine(page, frame, from, to, steps = 24) {
  const box = await frame.locator('#mask-canvas').boundingBox();
  if (!box || box.width < 8 || box.height < 8) fail(`#mask-canvas has no usable size on screen: ${JSON.stringify(box)}`);
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(...from));
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(...at(from[0] + (to[0] - from[0]) * i / steps, from[1] + (to[1] - from[1]) * i / steps));
  }
  await page.mouse.up();
}

async function until(what, timeoutMs, fn, detail = async () => '') {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) fail(`timed out waiting for ${what}. ${await detail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Opens `name` from the Explorer and waits for a webview to appear. If the workbench opened it
 * before the remote extensions were registered, VS Code shows its binary-file placeholder instead
 * of our custom editor: close that tab and open the file again (what a person would do).
 * Returns the time of the successful open.
 */
async function openInCustomEditor(page, name, T) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await row.first().waitFor({ timeout: 30_000 }).catch(() => fail(`${name} is not in the Explorer`));
  const t0 = Date.now();
  for (let attempt = 1; ; attempt++) {
    const tOpen = Date.now();
    await row.first().dblclick();
    const ok = await until('a webview', 10_000, () => page.frames().some((f) => /\/webview\//.test(f.url())))
      .then(() => true, () => false);
    if (ok) {
      T.openAttempts = attempt;
      if (attempt > 1) log(TAG, `custom editor shown on attempt ${attempt} (${ms(t0)} ms after the first)`);
      return tOpen;
    }
    if (Date.now() - t0 > 60_000) {
      fail(`opening ${name} never showed a webview (custom editor) in ${attempt} attempts over ${ms(t0)} ms; ` +
        'is the spadeStudio.labelMap custom editor contributed for *.label.png and registered on activation?');
    }
    log(TAG, `attempt ${attempt}: ${name} opened without a webview (extensions not registered yet?); closing and reopening`);
    await page.locator('.tabs-container .tab.active').first().hover({ timeout: 3000 }).catch(() => {});
    await page.locator('.tabs-container .tab.active .codicon-close').first().click({ timeout: 3000 }).catch(() => {});
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Waits until the workbench knows our extension's contributions: the command palette lists one of
 * its commands (the list fills lazily, so retry). Before that, opening a *.label.png shows VS Code's
 * binary-file placeholder instead of our custom editor.
 */
async function waitForContributions(page) {
  const manifest = JSON.parse(fs.readFileSync(path.join(paths.root, 'package.json'), 'utf8'));
  const cmd = manifest.contributes?.commands?.[0];
  if (!cmd) return; // nothing to look for; openInCustomEditor retries instead
  const title = cmd.category ? `${cmd.category}: ${cmd.title}` : cmd.title;
  const end = Date.now() + 60_000;
  const input = page.locator('.quick-input-widget input');
  while (Date.now() < end) {
    await page.keyboard.press('F1');
    if (await input.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title });
      const found = await row.first().waitFor({ timeout: 3000 }).then(() => true, () => false);
      await page.keyboard.press('Escape');
      if (found) return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(TAG, `the command palette never listed '${title}' within 60 s; opening anyway`);
}

/**
 * A fresh install opens the Get Started walkthrough once (the extension activates on startup):
 * check that it is there, then close it as a person would, before opening the sample.
 */
async function closeWalkthrough(page) {
  const tab = page.locator('.tabs-container .tab', { hasText: 'Welcome' });
  const heading = page.locator('.gettingStartedContainer', { hasText: 'Get Started with SPADE Studio' });
  await heading.first().waitFor({ timeout: 60_000 }).catch(() => fail('a fresh install did not open the Get Started with SPADE Studio walkthrough'));
  await tab.first().click({ button: 'middle' });
  await tab.first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => fail('the walkthrough tab did not close'));
}

async function findFrame(page, selector, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch { /* detached or navigating */ }
    }
    if (Date.now() > end) throw new Error(`no frame has ${selector}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function readStatus(frame) {
  return frame.$eval('#status', (el) => ({
    backend: el.getAttribute('data-backend'),
    frames: Number(el.getAttribute('data-frames') ?? NaN),
    latency: el.hasAttribute('data-latency') ? Number(el.getAttribute('data-latency')) : null,
    error: el.getAttribute('data-error'),
    text: (el.textContent || '').trim().slice(0, 200),
  }));
}

/** Pixels of a canvas inside `rel` (fractions of its size), read in the webview frame. */
async function canvasStats(frame, selector, rel, withData = true) {
  return frame.evaluate(([selector, rel, withData]) => {
    const c = document.querySelector(selector);
    if (!(c instanceof HTMLCanvasElement) || !c.width || !c.height) return null;
    let ctx = c.getContext('2d', { willReadFrequently: true });
    if (!ctx) { // a WebGL/WebGPU canvas: copy what it shows onto a 2D canvas
      const t = document.createElement('canvas');
      t.width = c.width; t.height = c.height;
      ctx = t.getContext('2d');
      ctx.drawImage(c, 0, 0);
    }
    const x0 = Math.floor(rel.x0 * c.width), y0 = Math.floor(rel.y0 * c.height);
    const w = Math.max(1, Math.ceil(rel.x1 * c.width) - x0), h = Math.max(1, Math.ceil(rel.y1 * c.height) - y0);
    const d = ctx.getImageData(x0, y0, w, h).data;
    let blank = true;
    for (let i = 4; i < d.length && blank; i += 4) {
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) blank = false;
    }
    return { width: c.width, height: c.height, w, h, blank, data: withData ? Array.from(d) : null };
  }, [selector, rel, withData]);
}

function diffCount(a, b) {
  if (!a || !b || a.data.length !== b.data.length) return a && b ? Math.max(a.data.length, b.data.length) / 4 : 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
  }
  return n;
}

function sha(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Clicks the toolbar's Copy and reads the clipboard back in the workbench page: an image/png of
 * the exported picture's size. Chromium re-encodes clipboard images, so the size is compared,
 * and the pixels against the export.
 */
async function copyPicture(page, frame, png) {
  await frame.locator('#copy-picture').click();
  const said = () => frame.locator('#status').getAttribute('data-copy');
  await until('the webview to report the copy (data-copy on #status)', 30_000, async () => (await said()) !== null);
  const result = await said();
  if (result !== 'copied') fail(`Copy picture: the webview could not write the clipboard: ${result}`);
  await page.context().grantPermissions(['clipboard-read'], { origin: new URL(page.url()).origin });
  const got = await page.evaluate(async () => {
    const items = await navigator.clipboard.read();
    const item = items.find((i) => i.types.includes('image/png'));
    if (!item) return { types: items.flatMap((i) => i.types) };
    const bmp = await createImageBitmap(await item.getType('image/png'));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    return { width: bmp.width, height: bmp.height, data: Array.from(g.getImageData(0, 0, bmp.width, bmp.height).data) };
  });
  if (!got.width) fail(`Copy picture: no image/png on the clipboard (types: ${JSON.stringify(got.types)})`);
  if (got.width !== png.width || got.height !== png.height) fail(`Copy picture: ${got.width}x${got.height} on the clipboard, the export is ${png.width}x${png.height}`);
  let maxDiff = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i * 4 + c] - png.data[i * png.channels + c]));
  }
  if (maxDiff > 0) fail(`Copy picture: the clipboard's pixels differ from the export's by up to ${maxDiff}`);
  log(TAG, `copy picture: ${got.width}x${got.height} image/png on the clipboard, the same pixels as the export`);
}

/** Answers the export's size QuickPick by clicking the row that starts with `which`. */
async function pickExportSize(page, which, shot) {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: which });
  await row.first().waitFor({ timeout: 30_000 }).catch(() => fail(`no '${which}' row in the export's size QuickPick`));
  const rows = await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
  if (!rows.some((r) => /Label map size: \d+ × \d+ px/.test(r))) fail(`the size QuickPick shows no label map size: ${JSON.stringify(rows)}`);
  log(TAG, `export size QuickPick: ${JSON.stringify(rows.map((r) => r.replace(/\s+/g, ' ')))}`);
  if (shot) await shot('export-size');
  await row.first().click();
}

