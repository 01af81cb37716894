// State that must survive, end to end (called from run-e2e.mjs on the run's last backend):
// * hide-show: the editor's webview is disposed while another tab is in front (the provider does
//   not retain it) and rebuilt when its tab comes back. The UI state it keeps with setState
//   (tool, brush size, class, seed, view, opacity, class filter) must come back, the unsaved stroke
//   too (the host's document owns it), and a picture must render again.
// * hot-exit: a window reload with an unsaved stroke. VS Code backs dirty documents up (for ours,
//   through backupCustomDocument) and reopens them dirty from the backup; the file on disk must not
//   change. Screenshots: e2e-<backend>-before-hide.png, -hidden.png, -shown-again.png,
//   -hot-exit-restored.png.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log, ms } from './harness.mjs';

const TAG = 'e2e';
const FULL = { x0: 0, y0: 0, x1: 1, y1: 1 };
const OTHER_TAB = 'README.md'; // in the workspace template

/** The controls the webview restores, read from its DOM (toolbar, class list, stage). */
async function uiState(frame) {
  return frame.evaluate(() => {
    const pressed = (prefix) => [...document.querySelectorAll(`[id^="${prefix}"]`)].filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.id.slice(prefix.length));
    const value = (sel) => {
      const el = document.querySelector(sel);
      return el ? String(el.value ?? el.getAttribute('value') ?? '') : null;
    };
    return {
      tool: pressed('tool-').join(),
      brushSize: value('#brush-size'),
      classId: document.querySelector('#class-list [aria-selected="true"]')?.getAttribute('data-id') ?? null,
      seed: value('#seed'),
      view: pressed('view-').join(),
      overlay: !!document.querySelector('.stage .overlay'),
      opacity: value('#overlay-opacity'),
      filter: value('#class-filter'),
      // The classes the filter leaves on screen.
      shown: [...document.querySelectorAll('#class-list .class-item')].filter((it) => it.checkVisibility()).map((it) => it.querySelector('.class-name')?.textContent),
    };
  });
}

/** Sets a range input as a drag would (input event). */
async function setSlider(frame, sel, v) {
  await frame.$eval(sel, (s, v) => {
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, v);
}

/** Waits for a picture of the current state: a frame after `after`, none in flight, not blank. */
async function settledFrame(ctx, frame, after, what, timeoutMs = 180_000) {
  const { until, readStatus, canvasStats, fail } = ctx;
  let st;
  await until(what, timeoutMs, async () => {
    st = await readStatus(frame);
    if (st.error) fail(`${what}: #status shows an error: ${st.error}`);
    if (!(st.frames > after) || (await frame.$eval('#status', (el) => el.dataset.busy)) !== 'false') return false;
    const o = await canvasStats(frame, '#output-canvas', FULL, false);
    return o && !o.blank;
  }, async () => `last #status: ${JSON.stringify(st)}`);
  return st;
}

const sameState = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export async function driveHideShow(ctx) {
  const { page, backend, T, shot, until, canvasStats, diffCount, fail, readStatus, findFrame, paintLine, dirtyTab } = ctx;
  let frame = ctx.frame;
  const R = (T.hideShow = {});

  // 1. Change everything the webview keeps: another class, brush size 20, a stroke with them
  //    (unsaved), seed 4242, overlay at 35 %, a class filter, and the fill tool.
  await frame.locator('#tool-brush').click();
  const cls = await frame.$$eval('#class-list .class-item', (items) => {
    const free = items.filter((it) => it.getAttribute('aria-selected') !== 'true' && !it.hidden);
    const pick = free[Math.min(2, free.length - 1)];
    return pick ? { id: pick.dataset.id, name: pick.querySelector('.class-name')?.textContent ?? '' } : null;
  });
  if (!cls) fail('the class list has no second class to pick');
  await frame.locator(`#class-list .class-item[data-id="${cls.id}"]`).click();
  await setSlider(frame, '#brush-size', 20);
  const maskBefore = await canvasStats(frame, '#mask-canvas', FULL);
  const st = await readStatus(frame);
  await paintLine(page, frame, [0.1, 0.5], [0.9, 0.5]);
  await until('the mask to change under the stroke', 10_000, async () => diffCount(maskBefore, await canvasStats(frame, '#mask-canvas', FULL)) > 0);
  await dirtyTab.first().waitFor({ timeout: 60_000 }).catch(() => fail('the tab did not turn dirty after the stroke'));
  const seedInput = frame.locator('#seed input');
  await seedInput.fill('4242');
  await seedInput.press('Enter');
  await frame.locator('#view-overlay').click();
  await setSlider(frame, '#overlay-opacity', 35);
  const filterText = cls.name.slice(0, 3);
  await frame.locator('#class-filter input').fill(filterText);
  await frame.locator('#tool-fill').click();
  const names = await frame.$$eval('#class-list .class-item .class-name', (els) => els.map((e) => e.textContent));
  const shown = names.filter((n) => n.toLowerCase().includes(filterText.toLowerCase()));
  if (shown.length === 0 || shown.length === names.length) fail(`the filter '${filterText}' should leave some of the ${names.length} classes, not ${shown.length}`);
  const want = { tool: 'fill', brushSize: '20', classId: cls.id, seed: '4242', view: 'overlay', overlay: true, opacity: '35', filter: filterText, shown };
  const before = await uiState(frame);
  if (!sameState(before, want)) fail(`the controls did not take the changes: ${JSON.stringify(before)}, wanted ${JSON.stringify(want)}`);
  await settledFrame(ctx, frame, st.frames, 'a picture for seed 4242 and the stroke');
  const mask = await canvasStats(frame, '#mask-canvas', FULL);
  const out = await canvasStats(frame, '#output-canvas', FULL);
  await shot('before-hide');

  // 2. Another editor in front: VS Code disposes our webview (retainContextWhenHidden is off).
  const t0 = Date.now();
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: OTHER_TAB });
  await row.first().dblclick();
  await page.locator('.tabs-container .tab.active', { hasText: OTHER_TAB }).first().waitFor({ timeout: 30_000 })
    .catch(() => fail(`${OTHER_TAB} did not open in front of the label map`));
  await until('the hidden webview to be disposed (its frame detached)', 30_000, async () =>
    frame.isDetached() || !(await frame.$('#status').catch(() => null)));
  await shot('hidden');

  // 3. Back to the label map: a new webview, restored.
  await page.locator('.tabs-container .tab', { hasText: path.basename(ctx.sample) }).first().click();
  frame = await findFrame(page, '#status', 60_000).catch(() => fail('no SPADE webview after switching back to the label map tab'));
  await settledFrame(ctx, frame, 0, 'a picture in the re-created webview');
  R.showToImage = ms(t0);
  const after = await uiState(frame);
  if (!sameState(after, want)) fail(`UI state not restored after hide/show: ${JSON.stringify(after)}, wanted ${JSON.stringify(want)}`);
  const maskAgain = await canvasStats(frame, '#mask-canvas', FULL);
  const maskDiff = diffCount(mask, maskAgain);
  if (maskDiff !== 0) fail(`after hide/show the mask differs from the painted one in ${maskDiff} px (the unsaved stroke should come back from the host's document)`);
  if ((await dirtyTab.count()) === 0) fail('the label map is no longer dirty after hide/show');
  const outAgain = await canvasStats(frame, '#output-canvas', FULL);
  R.outputDiffPx = diffCount(out, outAgain);
  R.outputPx = out.data.length / 4;
  log(TAG, `${backend}: hide/show restored ${JSON.stringify(after)}, the stroke (mask identical), and a picture ` +
    `${R.showToImage} ms after switching (it differs from the one before hiding in ${R.outputDiffPx} of ${R.outputPx} px)`);
  // Same mask, seed and backend: the same picture, up to the last bit of GPU arithmetic.
  if (R.outputDiffPx > R.outputPx / 100) fail(`the picture after hide/show differs from the one before in ${R.outputDiffPx} of ${R.outputPx} px (seed or mask not restored?)`);
  await shot('shown-again');

  // Leave the defaults for the steps after this one.
  await frame.locator('#view-side').click();
  await frame.locator('#class-filter input').fill('');
  await frame.locator('#tool-brush').click();
  return frame;
}

// Where backups go under code-server's user-data dir: VS Code's records, and our backup files.
const BACKUP_FILES = /^User\/(Backups\/|workspaceStorage\/[^/]+\/spade-studio\.spade-studio\/)/;

/** Every backup file (BACKUP_FILES) under the user-data dir `dir`, with its mtime. */
function snapshot(dir) {
  const files = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && BACKUP_FILES.test(path.relative(dir, p))) files.set(path.relative(dir, p), fs.statSync(p).mtimeMs);
    }
  };
  if (fs.existsSync(path.join(dir, 'User'))) walk(path.join(dir, 'User'));
  return files;
}

/** Waits until no backup file has changed for `quietMs`. */
async function quiet(dir, quietMs, timeoutMs, until) {
  let last = snapshot(dir);
  let since = Date.now();
  await until('earlier backups to finish', timeoutMs, () => {
    const now = snapshot(dir);
    if (changedSince(dir, last).length || now.size !== last.size) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= quietMs;
  });
}

/** Files under `dir` that are new or rewritten since `before` (a snapshot). */
function changedSince(dir, before) {
  return [...snapshot(dir)].filter(([f, t]) => before.get(f) !== t).map(([f]) => f);
}

export async function driveHotExit(ctx) {
  const {
    page,
    backend,
    sample,
    userData,
    T,
    shot,
    until,
    canvasStats,
    diffCount,
    fail,
    findFrame,
    paintLine,
    sha,
    dirtyTab,
  } = ctx;
  let frame = ctx.frame;
  const R = (T.hotExit = {});
  const disk = sha(sample);

  // 1. An unsaved stroke, once earlier strokes' backups are written (so that every backup file
  //    that changes from here on is this stroke's).
  await frame.locator('#tool-brush').click();
  await quiet(userData, 2000, 60_000, until);
  const maskBefore = await canvasStats(frame, '#mask-canvas', FULL);
  const filesBefore = snapshot(userData);
  const tStroke = Date.now();
  await paintLine(page, frame, [0.5, 0.1], [0.5, 0.9]);
  await until('the mask to change under the stroke', 10_000, async () => diffCount(maskBefore, await canvasStats(frame, '#mask-canvas', FULL)) > 0);
  await dirtyTab.first().waitFor({ timeout: 60_000 }).catch(() => fail('the tab did not turn dirty after the stroke'));
  const mask = await canvasStats(frame, '#mask-canvas', FULL);

  // 2. Wait for the backup (VS Code asks for it about a second after the last edit): our
  //    backupCustomDocument writes the PNG under User/workspaceStorage/<workspace>/<extension id>/,
  //    then VS Code records that file (backupId) in User/Backups/<workspace>/vscode-custom-editor/.
  //    Until that record exists the workbench vetoes the reload.
  let written = [];
  await until('a hot-exit backup of the stroke under code-server\'s user-data dir', 60_000, () => {
    written = changedSince(userData, filesBefore);
    const ours = written.filter((f) => /^User\/workspaceStorage\/[^/]+\/spade-studio\.spade-studio\//.test(f)).map((f) => path.basename(f));
    return written.some((f) => /^User\/Backups\/[^/]+\/vscode-custom-editor\//.test(f) &&
      ours.some((b) => fs.readFileSync(path.join(userData, f), 'utf8').includes(`/${b}"`)));
  }, async () => `files changed since the stroke: ${written.join(', ') || 'none'}`);
  R.backupAfter = ms(tStroke);
  log(TAG, `${backend}: backup written within ${R.backupAfter} ms of the stroke: ${written.join(', ')}`);

  // 3. Reload the window. The workbench vetoes an unload while a backup is pending (the browser
  //    then asks "leave site?"): note it and fail rather than wait.
  let dialog = null;
  const onDialog = (d) => {
    dialog = `${d.type()}: ${d.message()}`;
    void d.dismiss().catch(() => {});
  };
  page.on('dialog', onDialog);
  const t1 = Date.now();
  try {
    await page.reload({ timeout: 60_000 });
  } catch (e) {
    fail(`the window reload did not finish${dialog ? ` (the page asked: ${dialog})` : ''}: ${e.message}`);
  } finally {
    page.off('dialog', onDialog);
  }
  if (dialog) fail(`the window reload was vetoed (${dialog})`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  frame = await findFrame(page, '#status', 120_000).catch(() => fail('no SPADE webview after reloading the window (hot exit should reopen the label map)'));
  await dirtyTab.first().waitFor({ timeout: 60_000 }).catch(() => fail(`${path.basename(sample)} was not restored dirty after the window reload; ` +
    `backups on disk: ${backupRecords(userData).join('; ') || 'none'}`));
  await until('the restored mask to be drawn', 60_000, async () => {
    const m = await canvasStats(frame, '#mask-canvas', FULL).catch(() => null);
    return m !== null && !m.blank && m.width === mask.width;
  });
  const restored = await canvasStats(frame, '#mask-canvas', FULL);
  const diff = diffCount(mask, restored);
  if (diff !== 0) fail(`after the reload the mask differs from the unsaved one in ${diff} px`);
  if (sha(sample) !== disk) fail(`${path.basename(sample)} changed on disk, but it was never saved`);
  const st = await settledFrame(ctx, frame, 0, 'a picture after the reload');
  R.reloadToImage = ms(t1);
  log(TAG, `${backend}: hot exit: after a window reload the label map is back dirty with the unsaved stroke ` +
    `(mask identical, file untouched), picture ${R.reloadToImage} ms after the reload (backend ${st.backend})`);
  await shot('hot-exit-restored');
  return frame;
}

/** VS Code's backup records for custom editors: file name -> the backupId it names. */
function backupRecords(userData) {
  return [...snapshot(userData).keys()].filter((f) => f.includes('vscode-custom-editor')).map((f) => {
    const text = fs.readFileSync(path.join(userData, f), 'utf8');
    return `${path.basename(f)} -> ${/"backupId":"([^"]*)"/.exec(text)?.[1] ?? '?'}`;
  });
}
