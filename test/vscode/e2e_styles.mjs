// The Styles panel end to end (called from run-e2e.mjs once the editor works): SPADE: Compare
// Style Encodings, two style images added through VS Code's own file dialog, two tiles that
// render and differ, the distance matrix against codes computed in Node by `spade encode` on the
// same checkpoint, the interpolation slider changing its frame, a per-region style composite, and
// saving and loading the set, and the grid following a stroke. Screenshots: e2e-<backend>-styles-*.png.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { paths, log, ms } from './harness.mjs';

const TAG = 'e2e';
const IMAGES = ['sea_style.png', 'dune_style.png'];
// WebGL/WebGPU arithmetic differs from the CLI's wasm in the last bits; the encoder's codes agree
// to about 1e-5 relative, and the distances are well above that.
const TOL = 2e-3;

/** Two style images with visibly different colour statistics (written into the workspace). */
function writeStyleImages(workspace) {
  const size = 96;
  return IMAGES.map((name, k) => {
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 3;
        const wave = Math.sin((x + 2 * y) * (0.11 + 0.17 * k)) * 0.5 + 0.5;
        const rgb =
          k === 0 ? [20 + 40 * wave, 80 + 60 * wave, 160 + 90 * wave] : [200 + 50 * wave, 160 + 60 * wave, 60 + 40 * (y / size)];
        for (let c = 0; c < 3; c++) data[i + c] = Math.round(rgb[c]);
      }
    }
    const file = path.join(workspace, name);
    fs.writeFileSync(file, encodePng({ width: size, height: size, data, channels: 3, depth: 8 }));
    return file;
  });
}

/** The codes in Node: `spade encode` on the checkpoint the preview uses. */
function expectedCodes(checkpoint, images, dir) {
  return images.map((img, k) => {
    const out = path.join(dir, `expected_${k}.spade-style.json`);
    const r = spawnSync(process.execPath, [path.join(paths.root, 'dist', 'cli.js'), 'encode', '--checkpoint', checkpoint, '--image', img, '-o', out, '--backend', 'cpu'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`spade encode ${img} failed: ${r.stderr}`);
    return JSON.parse(fs.readFileSync(out, 'utf8')).styles[0];
  });
}

const meanL2 = (a, b) => Math.sqrt(a.mu.reduce((s, v, i) => s + (v - b.mu[i]) ** 2, 0) / a.mu.length);
const symKl = (a, b) =>
  a.mu.reduce((s, _, i) => {
    const va = Math.exp(a.logvar[i]);
    const vb = Math.exp(b.logvar[i]);
    return s + va / vb + vb / va - 2 + (a.mu[i] - b.mu[i]) ** 2 * (1 / va + 1 / vb);
  }, 0) / 2;

/** Types a path into VS Code's simple file dialog (code-server's "Open File" quick input) and accepts it. */
async function pickFile(page, file, until) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(file);
  await until(`the file dialog to accept ${path.basename(file)}`, 20_000, async () => {
    const value = await input.inputValue().catch(() => '');
    if (value !== file) await input.fill(file);
    await page.keyboard.press('Enter');
    await new Promise((r) => setTimeout(r, 500));
    return !(await input.isVisible().catch(() => false));
  });
}

export async function driveStyles({
  page,
  frame,
  backend,
  workspace,
  checkpoint,
  T,
  shot,
  until,
  runCommand,
  canvasStats,
  diffCount,
  fail,
}) {
  const images = writeStyleImages(workspace);
  const want = expectedCodes(checkpoint, images, path.dirname(workspace));
  const FULL = { x0: 0, y0: 0, x1: 1, y1: 1 };

  // 1. The command opens the panel.
  let t0 = Date.now();
  await runCommand(page, 'SPADE: Compare Style Encodings');
  await until('the Styles panel to show', 30_000, async () =>
    frame.$eval('#styles-panel', (el) => !el.hidden).catch(() => false),
  );
  if ((await frame.$eval('#styles-panel', (el) => el.dataset.encoder)) !== 'true')
    fail('the Styles panel says the bundled model has no encoder');

  // 2. Two images through the panel's "Add images…" and VS Code's file dialog.
  for (const img of images) {
    await frame.locator('#styles-add').click();
    await pickFile(page, img, until);
  }
  await until(
    'two styles encoded (rows in state ready)',
    120_000,
    async () => (await frame.$$eval('.style-row[data-state="ready"]', (rows) => rows.length)) === 2,
    async () =>
      `rows: ${JSON.stringify(await frame.$$eval('.style-row', (rows) => rows.map((r) => [r.dataset.name, r.dataset.state, r.textContent])).catch(() => []))}`,
  );
  T.stylesEncoded = ms(t0);

  // 3. Two tiles, rendered and different.
  const tile = (k) => `.style-row:nth-child(${k + 1}) canvas.style-tile`;
  await until(
    'both style tiles to render',
    180_000,
    async () => (await frame.$$eval('.style-row canvas.style-tile[data-rendered="true"]', (c) => c.length)) === 2,
  );
  const a = await canvasStats(frame, tile(0), FULL);
  const b = await canvasStats(frame, tile(1), FULL);
  if (!a || !b || a.blank || b.blank) fail('a style tile is blank');
  const differ = diffCount(a, b);
  if (differ < a.data.length / 4 / 10) fail(`the two style tiles differ in only ${differ} pixels`);
  T.stylesTiles = ms(t0);
  log(
    TAG,
    `${backend}: two styles encoded in ${T.stylesEncoded} ms, tiles rendered ${T.stylesTiles} ms after the command; they differ in ${differ} of ${a.data.length / 4} px`,
  );
  await shot('styles-grid');

  // 4. The distance matrix holds the right numbers (mean L2, then symmetric KL).
  const names = await frame.$$eval('.style-row', (rows) => rows.map((r) => r.dataset.name));
  if (names.join() !== 'sea_style,dune_style') fail(`style names: ${names}`);
  const cell = () => frame.$eval('#distance-matrix td.dist[data-i="0"][data-j="1"]', (td) => Number(td.dataset.value));
  const check = async (kind, expected) => {
    await frame.locator(`#distance-${kind}`).click();
    await until(
      `the matrix to show ${kind}`,
      10_000,
      async () => (await frame.$eval('#distance-matrix', (t) => t.dataset.kind)) === kind,
    );
    const got = await cell();
    const rel = Math.abs(got - expected) / Math.abs(expected);
    log(TAG, `${backend}: distance ${kind}: panel ${got}, Node ${expected} (relative difference ${rel.toExponential(2)})`);
    if (!(rel <= TOL)) fail(`distance ${kind}: the panel shows ${got}, the codes from spade encode give ${expected}`);
    const sym = await frame.$eval('#distance-matrix td.dist[data-i="1"][data-j="0"]', (td) => Number(td.dataset.value));
    if (sym !== got) fail(`the matrix is not symmetric: ${got} vs ${sym}`);
    T[`distance_${kind}`] = { panel: got, node: expected };
  };
  await check('l2', meanL2(want[0], want[1]));
  await check('kl', symKl(want[0], want[1]));
  await frame.locator('#distance-kl').hover();
  await frame.locator('#distance-matrix td.dist[data-i="0"][data-j="1"]').hover();
  await shot('styles-matrix');

  // 5. The interpolation slider changes the picture.
  t0 = Date.now();
  await until(
    'the interpolation frame to render',
    120_000,
    async () => !!(await frame.$eval('#interp-canvas', (c) => c.dataset.setId).catch(() => null)),
  );
  const setBefore = await frame.$eval('#interp-canvas', (c) => c.dataset.setId);
  const before = await canvasStats(frame, '#interp-canvas', FULL);
  await frame.$eval('#interp-slider', (s) => {
    s.value = '0';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  let after;
  await until('a new interpolation frame after moving the slider', 120_000, async () => {
    if ((await frame.$eval('#interp-canvas', (c) => c.dataset.setId)) === setBefore) return false;
    after = await canvasStats(frame, '#interp-canvas', FULL);
    return true;
  });
  const moved = diffCount(before, after);
  if (moved === 0) fail('moving the interpolation slider from 0.5 to 0 did not change the picture');
  const atEnd = await canvasStats(frame, tile(0), FULL);
  const fromTile = diffCount(after, atEnd);
  log(
    TAG,
    `${backend}: slider 0.5 -> 0 changed ${moved} px in ${ms(t0)} ms; at t=0 the frame differs from style 1's tile in ${fromTile} px`,
  );
  if (fromTile > 0) fail(`at t = 0 the interpolation should equal the first style's tile; ${fromTile} px differ`);
  T.interpolation = { changedPx: moved };
  await frame
    .locator('#interp-canvas')
    .scrollIntoViewIfNeeded()
    .catch(() => {});
  await shot('styles-interpolation');

  // 6. Per-region style: one class in the second style, the rest as the main view; away from the
  //    seam every pixel is one of the two pictures.
  const cls = await frame.$eval('#region-class', (s) => s.options[0]?.textContent);
  await frame.selectOption('#region-style', { label: 'dune_style' });
  await until(
    'the region composite to render',
    120_000,
    async () => !!(await frame.$eval('#region-canvas', (c) => c.dataset.setId).catch(() => null)),
  );
  const region = await canvasStats(frame, '#region-canvas', FULL);
  const dune = await canvasStats(frame, tile(1), FULL);
  const main = await canvasStats(frame, '#output-canvas', FULL);
  let fromDune = 0,
    fromMain = 0;
  for (let i = 0; i < region.data.length; i += 4) {
    const same = (o) =>
      o.data[i] === region.data[i] && o.data[i + 1] === region.data[i + 1] && o.data[i + 2] === region.data[i + 2];
    if (same(dune)) fromDune++;
    else if (same(main)) fromMain++;
  }
  const n = region.data.length / 4;
  log(
    TAG,
    `${backend}: region style (${cls} in dune_style): ${fromDune} px from the style's picture, ${fromMain} from the main view, ${n - fromDune - fromMain} blended`,
  );
  if (fromDune === 0 || fromMain === 0 || fromDune + fromMain < 0.6 * n)
    fail(`region composite: ${fromDune} px match the style tile, ${fromMain} the main view, of ${n}`);
  T.region = { fromStyle: fromDune, fromMain, blended: n - fromDune - fromMain };
  await frame
    .locator('#region-canvas')
    .scrollIntoViewIfNeeded()
    .catch(() => {});
  await shot('styles-region');

  // 7. Save writes <mask>.spade-style.json with the panel's codes; after removing the styles,
  //    Load brings them back (codes from the file, thumbnails from the images it names).
  const setFile = path.join(workspace, 'sample.spade-style.json');
  await frame.locator('#styles-save').click();
  await until('sample.spade-style.json to be written', 30_000, () => fs.existsSync(setFile));
  const saved = JSON.parse(fs.readFileSync(setFile, 'utf8'));
  if (saved.format !== 'spade-style/1' || saved.styles.map((x) => x.source).join() !== 'sea_style.png,dune_style.png')
    fail(`saved set: ${JSON.stringify(saved).slice(0, 300)}`);
  const savedL2 = meanL2(saved.styles[0], saved.styles[1]);
  if (!(Math.abs(savedL2 - meanL2(want[0], want[1])) <= TOL * savedL2))
    fail(`saved codes give mean L2 ${savedL2}, spade encode's ${meanL2(want[0], want[1])}`);
  for (let k = 0; k < 2; k++) await frame.locator('.style-row:first-child vscode-button', { hasText: '×' }).click();
  await until('the styles to be removed', 10_000, async () => (await frame.$$eval('.style-row', (r) => r.length)) === 0);
  await frame.locator('#styles-load').click();
  await until(
    'the saved styles to load back',
    30_000,
    async () => (await frame.$$eval('.style-row[data-state="ready"] canvas.style-thumb', (r) => r.length)) === 2,
  );
  const reloaded = await cell();
  // The file holds float32 values in their shortest decimal form; the panel reads them back as float32.
  const f32 = (s) => ({ mu: Array.from(Float32Array.from(s.mu)), logvar: Array.from(Float32Array.from(s.logvar)) });
  if (!(Math.abs(reloaded - symKl(f32(saved.styles[0]), f32(saved.styles[1]))) <= 1e-9 * reloaded))
    fail(`after Load the matrix shows ${reloaded}`);
  log(TAG, `${backend}: saved ${path.basename(setFile)} (${fs.statSync(setFile).size} bytes) and loaded it back`);

  // 8. Painting repaints the grid: a stroke across the mask gives both tiles a newer set.
  await until(
    "the loaded styles' tiles to render",
    120_000,
    async () => (await frame.$$eval('.style-row canvas.style-tile[data-rendered="true"]', (c) => c.length)) === 2,
  );
  const setsBefore = await frame.$$eval('.style-row canvas.style-tile', (c) => c.map((x) => Number(x.dataset.setId)));
  const tileBefore = await canvasStats(frame, tile(0), FULL);
  const box = await frame.locator('#mask-canvas').boundingBox();
  t0 = Date.now();
  await page.mouse.move(box.x + 0.9 * box.width, box.y + 0.1 * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++)
    await page.mouse.move(box.x + (0.9 - (0.8 * i) / 12) * box.width, box.y + (0.1 + (0.8 * i) / 12) * box.height);
  await page.mouse.up();
  let changed = 0;
  await until('both tiles to follow the painted mask', 180_000, async () => {
    const sets = await frame.$$eval('.style-row canvas.style-tile', (c) => c.map((x) => Number(x.dataset.setId)));
    if (!sets.every((v, k) => v > setsBefore[k])) return false;
    changed = diffCount(tileBefore, await canvasStats(frame, tile(0), FULL));
    return changed > 0;
  });
  log(TAG, `${backend}: after a stroke the grid repainted in ${ms(t0)} ms (${changed} px of the first tile changed)`);
  await shot('styles-painted');
}
