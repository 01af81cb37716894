// Painting on a zoomed map, end to end (called from run-e2e.mjs on the run's last backend):
// the canvases fill the pane; 1:1, +, Ctrl+wheel (about the pointer), a middle-drag and a Space+drag pan move
// the mask and the picture together; then a rectangle, a Shift-snapped line of width 1, a
// clicked polygon and a lasso are painted on the zoomed map, and "Replace <class> with…" swaps a class everywhere.
// After each save the file on disk must hold exactly the ids painted, and VS Code's Undo must
// take back the replace as one edit.
// Screenshots: e2e-<backend>-paint-fit.png, -paint-zoomed.png, -paint-shapes.png, -paint-replaced.png.
import * as fs from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { log } from './harness.mjs';

const TAG = 'e2e';

/** The saved label map's ids (the sample is 8-bit grayscale: one id per byte). */
function fileIds(file) {
  const png = decodePng(fs.readFileSync(file));
  if (png.channels !== 1) throw new Error(`expected a grayscale label map, got ${png.channels} channels`);
  return { width: png.width, height: png.height, ids: Array.from(png.data) };
}

/** Geometry of the mask on screen: the canvas box, the pane's box, the mask size. */
async function geometry(frame) {
  return frame.evaluate(() => {
    const c = document.querySelector('#mask-canvas');
    const o = document.querySelector('#output-canvas');
    const p = document.querySelector('.pane.mask');
    const q = document.querySelector('.pane.output');
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };
    };
    return { canvas: box(c), output: box(o), pane: box(p), outPane: box(q), w: c.width, h: c.height, zoom: Number(document.querySelector('.stage').dataset.zoom) };
  });
}

export async function drivePaint(ctx) {
  const { page, frame, backend, sample, shot, until, fail, dirtyTab } = ctx;
  const R = (ctx.T.paint = {});
  const frameBox = await (await frame.frameElement()).boundingBox();
  // Page coordinates of mask pixel (x, y)'s centre, from the webview's own layout.
  const at = (g, x, y) => [
    frameBox.x + g.canvas.x + ((x + 0.5) * g.canvas.width) / g.w,
    frameBox.y + g.canvas.y + ((y + 0.5) * g.canvas.height) / g.h,
  ];
  const save = async (what) => {
    await page.keyboard.press('Control+S');
    await until(`the tab to lose its dirty mark after saving ${what}`, 30_000, async () => (await dirtyTab.count()) === 0);
  };
  await frame.locator('#view-side').click();
  await frame.locator('#tool-brush').click();
  if (await dirtyTab.count()) await save('the earlier strokes');
  const before = fileIds(sample);

  // 1. Room to paint: at Fit, the mask takes most of its pane, and the picture the same box.
  await frame.locator('#zoom-fit').click();
  let g = await geometry(frame);
  R.fit = g;
  const fill = Math.max(g.canvas.width / g.pane.width, g.canvas.height / g.pane.height);
  if (fill < 0.9) fail(`at Fit the mask uses ${(fill * 100).toFixed(0)} % of its pane (${JSON.stringify(g)}); it should fill it`);
  const same = (a, b) => Math.abs(a.width - b.width) < 1 && Math.abs(a.height - b.height) < 1;
  if (!same(g.canvas, g.output)) fail(`mask and picture are not the same box: ${JSON.stringify(g.canvas)} vs ${JSON.stringify(g.output)}`);
  await shot('paint-fit');
  // The overlay has the whole stage to itself: the map grows with it.
  await frame.locator('#view-overlay').click();
  const go = await geometry(frame);
  if (go.canvas.width < g.canvas.width * 1.2) fail(`in the overlay the mask should grow with the pane: ${go.canvas.width} px, side by side ${g.canvas.width} px`);
  await frame.locator('#view-side').click();

  // 2. Zoom: 1:1, then + twice, then Ctrl+wheel about a point, which must stay under the pointer.
  await frame.locator('#zoom-1').click();
  g = await geometry(frame);
  if (Math.abs(g.zoom - 1) > 1e-6 || Math.abs(g.canvas.width - g.w) > 0.5) fail(`1:1 should show one mask pixel per CSS pixel: ${JSON.stringify(g)}`);
  await frame.locator('#zoom-in').click();
  await frame.locator('#zoom-in').click();
  g = await geometry(frame);
  const px = [frameBox.x + g.pane.x + g.pane.width * 0.4, frameBox.y + g.pane.y + g.pane.height * 0.6];
  const under = (gg) => [
    ((px[0] - frameBox.x - gg.canvas.x) / gg.canvas.width) * gg.w,
    ((px[1] - frameBox.y - gg.canvas.y) / gg.canvas.height) * gg.h,
  ];
  const u0 = under(g);
  await page.mouse.move(...px);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -240);
  await page.keyboard.up('Control');
  await until('Ctrl+wheel to zoom in', 5_000, async () => (await geometry(frame)).zoom > g.zoom * 1.5);
  const gz = await geometry(frame);
  const u1 = under(gz);
  if (Math.hypot(u1[0] - u0[0], u1[1] - u0[1]) > 0.5) fail(`Ctrl+wheel moved the map under the pointer from ${u0} to ${u1}`);
  // Lock-step: the same size, and the same place within each pane.
  const offsets = (gg) => [
    gg.canvas.x - gg.pane.x, gg.output.x - gg.outPane.x, gg.canvas.y - gg.pane.y, gg.output.y - gg.outPane.y,
  ];
  const [mx, ox, my, oy] = offsets(gz);
  if (!same(gz.canvas, gz.output) || Math.abs(mx - ox) > 0.5 || Math.abs(my - oy) > 0.5) {
    fail(`mask and picture left lock-step after zooming: ${JSON.stringify(gz.canvas)} vs ${JSON.stringify(gz.output)}`);
  }
  // Middle-drag pans by exactly the drag, both canvases.
  await page.mouse.move(...px);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(px[0] - 60, px[1] - 40, { steps: 4 });
  await page.mouse.up({ button: 'middle' });
  const gp = await geometry(frame);
  if (Math.abs(gp.canvas.x - gz.canvas.x + 60) > 0.5 || Math.abs(gp.canvas.y - gz.canvas.y + 40) > 0.5) {
    fail(`a middle-drag of (-60, -40) moved the mask from ${JSON.stringify(gz.canvas)} to ${JSON.stringify(gp.canvas)}`);
  }
  const [pmx, pox, pmy, poy] = offsets(gp);
  if (Math.abs(pmx - pox) > 0.5 || Math.abs(pmy - poy) > 0.5) {
    fail(`the picture did not pan with the mask: ${JSON.stringify(gp.output)} vs ${JSON.stringify(gp.canvas)}`);
  }
  // Space+drag pans too (with a toolbar button focused, Space keeps its own meaning: leave it first).
  await frame.evaluate(() => document.activeElement?.blur());
  await page.mouse.move(...px);
  await page.keyboard.down('Space');
  await page.mouse.down();
  await page.mouse.move(px[0] + 30, px[1] + 20, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up('Space');
  const gs = await geometry(frame);
  if (Math.abs(gs.canvas.x - gp.canvas.x - 30) > 0.5 || Math.abs(gs.canvas.y - gp.canvas.y - 20) > 0.5) {
    fail(`Space+drag of (30, 20) moved the mask from ${JSON.stringify(gp.canvas)} to ${JSON.stringify(gs.canvas)}`);
  }
  // Back where the middle-drag left it, so the shapes below land in the part of the map measured there.
  await page.mouse.move(...px);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(px[0] - 30, px[1] - 20, { steps: 3 });
  await page.mouse.up({ button: 'middle' });
  R.zoom = gp.zoom;
  if ((await dirtyTab.count()) !== 0) fail('zooming and panning changed the document (the tab is dirty)');
  await shot('paint-zoomed');

  // 3. Shapes on the zoomed map, in the visible part of it.
  g = gp;
  const vis = {
    x0: Math.max(0, Math.ceil(((g.pane.x - g.canvas.x) / g.canvas.width) * g.w)),
    y0: Math.max(0, Math.ceil(((g.pane.y - g.canvas.y) / g.canvas.height) * g.h)),
    x1: Math.min(g.w - 1, Math.floor(((g.pane.x + g.pane.width - g.canvas.x) / g.canvas.width) * g.w) - 1),
    y1: Math.min(g.h - 1, Math.floor(((g.pane.y + g.pane.height - g.canvas.y) / g.canvas.height) * g.h) - 1),
  };
  if (vis.x1 - vis.x0 < 12 || vis.y1 - vis.y0 < 18) fail(`too little of the zoomed map is visible to paint on: ${JSON.stringify(vis)}`);
  // A class the visible part does not hold much of, so each shape changes pixels.
  const counts = new Map();
  for (let y = vis.y0; y <= vis.y1; y++) {
    for (let x = vis.x0; x <= vis.x1; x++) counts.set(before.ids[y * g.w + x], (counts.get(before.ids[y * g.w + x]) ?? 0) + 1);
  }
  const classIds = await frame.$$eval('#class-list .class-item', (items) => items.map((it) => Number(it.dataset.id)));
  const cls = classIds.find((id) => !counts.has(id) && id !== 0) ?? classIds[1];
  await frame.locator(`#class-list .class-item[data-id="${cls}"]`).click();
  const expected = before.ids.slice();
  const set = (x, y) => { expected[y * g.w + x] = cls; };

  // Rectangle from corner to corner.
  const r = { x0: vis.x0 + 2, y0: vis.y0 + 2, x1: vis.x0 + 6, y1: vis.y0 + 5 };
  await frame.locator('#tool-rect').click();
  await page.mouse.move(...at(g, r.x0, r.y0));
  await page.mouse.down();
  await page.mouse.move(...at(g, r.x1, r.y1), { steps: 5 });
  await page.mouse.up();
  for (let y = r.y0; y <= r.y1; y++) for (let x = r.x0; x <= r.x1; x++) set(x, y);

  // A line of width 1, drawn a pixel off horizontal with Shift: snapped to one row.
  await frame.$eval('#brush-size', (s) => { s.value = '1'; s.dispatchEvent(new Event('input', { bubbles: true })); });
  await frame.locator('#tool-line').click();
  const ly = vis.y0 + 8;
  const lx0 = vis.x0 + 1;
  const lx1 = vis.x0 + 10;
  await page.mouse.move(...at(g, lx0, ly));
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(...at(g, lx1, ly + 1), { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  for (let x = lx0; x <= lx1; x++) set(x, ly);

  // A four-cornered polygon: four clicks, then a click on the first corner closes and fills it.
  await frame.locator('#tool-polygon').click();
  const q = { x0: vis.x0 + 1, y0: vis.y0 + 10, x1: vis.x0 + 7, y1: vis.y0 + 12 };
  const corners = [[q.x0, q.y0], [q.x1, q.y0], [q.x1, q.y1], [q.x0, q.y1]];
  for (const [x, y] of [...corners, corners[0]]) {
    await page.mouse.click(...at(g, x, y));
    await new Promise((res) => setTimeout(res, 350)); // not a double-click
  }
  for (let y = q.y0; y <= q.y1; y++) for (let x = q.x0; x <= q.x1; x++) set(x, y);
  // A lasso dragged round a box through pixel centres: every point lies on the box's edge, so it fills the box.
  await frame.locator('#tool-lasso').click();
  const l = { x0: vis.x0 + 2, y0: vis.y0 + 14, x1: vis.x0 + 9, y1: vis.y0 + 17 };
  await page.mouse.move(...at(g, l.x0, l.y0));
  await page.mouse.down();
  for (const [x, y] of [[l.x1, l.y0], [l.x1, l.y1], [l.x0, l.y1], [l.x0, l.y0]]) {
    await page.mouse.move(...at(g, x, y), { steps: 6 });
  }
  await page.mouse.up();
  for (let y = l.y0; y <= l.y1; y++) for (let x = l.x0; x <= l.x1; x++) set(x, y);
  await dirtyTab.first().waitFor({ timeout: 30_000 }).catch(() => fail('the tab did not turn dirty after painting shapes'));
  await shot('paint-shapes');
  await save('the shapes');
  const afterShapes = fileIds(sample);
  const wrong = [];
  for (let i = 0; i < expected.length; i++) if (afterShapes.ids[i] !== expected[i]) wrong.push(`(${i % g.w},${Math.floor(i / g.w)}): ${afterShapes.ids[i]} not ${expected[i]}`);
  if (wrong.length) fail(`after painting shapes on the zoomed map, ${wrong.length} pixels on disk differ from what was painted: ${wrong.slice(0, 12).join('; ')}`);
  R.shapes = 'exact';

  // 4. Replace the class just painted with another one, from the legend; then Undo takes it all back.
  const to = classIds.find((id) => id !== cls && id !== 0 && !expected.includes(id)) ?? classIds[0];
  await frame.locator(`#legend .replace-class[data-id="${cls}"]`).click({ force: true });
  const picker = frame.locator(`#legend select.replace-select[data-from="${cls}"]`);
  await picker.waitFor({ timeout: 10_000 }).catch(() => fail(`"Replace ${cls} with…" in the legend showed no class picker`));
  await picker.selectOption(String(to));
  await dirtyTab.first().waitFor({ timeout: 30_000 }).catch(async () => {
    const left = await frame.evaluate(() => document.querySelector('#legend')?.textContent);
    fail(`the tab did not turn dirty after Replace ${cls} with ${to}; legend: ${left}`);
  });
  await save('the replace');
  const afterReplace = fileIds(sample);
  const wantReplace = expected.map((v) => (v === cls ? to : v));
  const bad = afterReplace.ids.findIndex((v, i) => v !== wantReplace[i]);
  if (bad >= 0) fail(`after "Replace ${cls} with ${to}" pixel ${bad} holds ${afterReplace.ids[bad]}, not ${wantReplace[bad]}`);
  await shot('paint-replaced');
  await frame.locator('#mask-canvas').hover();
  await page.keyboard.press('Control+Z');
  await dirtyTab.first().waitFor({ timeout: 30_000 }).catch(() => fail('Undo after Replace did not mark the tab dirty'));
  await save('the undo');
  const afterUndo = fileIds(sample);
  const diff = afterUndo.ids.findIndex((v, i) => v !== expected[i]);
  if (diff >= 0) fail(`one Undo after Replace should bring back the map as painted; pixel ${diff} holds ${afterUndo.ids[diff]}, not ${expected[diff]}`);
  await frame.locator('#zoom-fit').click();
  await frame.locator('#tool-brush').click();
  log(TAG, `${backend}: painted a rectangle, a snapped line, a polygon and a lasso at zoom ${R.zoom.toFixed(2)} (file exact), ` +
    `replaced class ${cls} with ${to} and undid it in one step`);
}
