// Keyboard, screen reader and the places people look for actions, end to end (called from
// run-e2e.mjs once the editor works): the editor's title-bar buttons and the Explorer's "Open with
// SPADE", the class list as a listbox reached by Tab with a visible focus ring, the tool keys as
// VS Code keybindings, painting from the keyboard, the status line's announcements, axe-core
// (from npm, run in the webview's frame) finding no serious or critical violation, the walkthrough
// ticking off what was done, and a High Contrast theme drawing outlines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths.mjs';

const AXE = path.join(paths.root, 'node_modules', 'axe-core', 'axe.min.js');

export async function driveA11y({ page, frame, sample, until, fail, canvasStats, shot, runCommand, pickExportSize }) {
  // 1. Title bar: the four buttons, and Export run from there writes beside the open map.
  for (const title of ['Export Synthesized Image', 'Compare Style Encodings', 'Select Checkpoint', 'Fine-tune']) {
    const btn = page.locator(`.editor-actions .action-label[aria-label^="SPADE: ${title}"], .editor-actions .action-label[aria-label^="${title}"]`);
    await btn.first().waitFor({ timeout: 15_000 }).catch(() => fail(`no '${title}' button on the SPADE editor's title bar`));
  }
  // The export is named for its style: <map>.seed<N>.png for a seed.
  const dir = path.dirname(sample);
  const stem = path.basename(sample).replace(/\.label\.png$/, '');
  const named = () => fs.readdirSync(dir).filter((n) => n.startsWith(`${stem}.`) && /\.(seed\d+|style-[\w.-]+)\.png$/.test(n));
  for (const n of named()) fs.rmSync(path.join(dir, n));
  await page.locator('.editor-actions .action-label[aria-label*="Export Synthesized Image"]').first().click();
  await pickExportSize(page, 'Model size');
  await until(`<map>.seed<N>.png from the title bar's Export button`, 60_000, () => named().length > 0);
  const exported = path.join(dir, named()[0]);

  // 2. The Explorer offers "Open with SPADE" on a PNG.
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: path.basename(exported) });
  await row.first().click({ button: 'right' });
  const item = page.locator('.context-view .action-label', { hasText: 'Open with SPADE' });
  await item.first().waitFor({ timeout: 10_000 }).catch(() => fail('the Explorer context menu of a PNG has no "Open with SPADE"'));
  await page.keyboard.press('Escape');

  // 3. Tab from the filter field reaches the class list, which shows a focus ring and names its row.
  await frame.locator('#class-filter').focus();
  await page.keyboard.press('Tab');
  const list = await frame.evaluate(() => {
    const el = document.activeElement;
    const cs = el ? getComputedStyle(el) : null;
    const attr = (a) => el?.getAttribute(a);
    return { id: el?.id, role: attr('role'), name: attr('aria-label'), outline: cs?.outlineStyle, active: attr('aria-activedescendant') };
  });
  if (list.id !== 'class-list' || list.role !== 'listbox' || !list.name) fail(`Tab from the filter should reach the named listbox: ${JSON.stringify(list)}`);
  if (!list.outline || list.outline === 'none') fail(`the focused class list shows no focus ring: ${JSON.stringify(list)}`);
  await page.keyboard.press('ArrowDown');
  await until('aria-activedescendant to follow ArrowDown', 5000, async () => {
    const now = await frame.$eval('#class-list', (el) => el.getAttribute('aria-activedescendant'));
    return now && now !== list.active && (await frame.$(`#${now}[aria-selected="true"]`));
  });

  // 4. The tool keys are VS Code keybindings: F picks the fill tool, B the brush again.
  const pressed = () => frame.evaluate(() => document.querySelector('[id^="tool-"][aria-pressed="true"]')?.id);
  await page.keyboard.press('f');
  await until('F (a keybinding) to pick the fill tool', 10_000, async () => (await pressed()) === 'tool-fill');
  await page.keyboard.press('b');
  await until('B to pick the brush again', 10_000, async () => (await pressed()) === 'tool-brush');

  // 5. Painting from the keyboard: Tab to the canvas, hold Space, move with Shift+arrows.
  await frame.evaluate(() => {
    window.__said = [];
    const el = document.getElementById('status-announce');
    const record = () => window.__said.push([performance.now(), el.textContent]);
    new MutationObserver(record).observe(el, { childList: true, characterData: true, subtree: true });
  });
  const before = await canvasStats(frame, '#mask-canvas', { x0: 0, y0: 0, x1: 1, y1: 1 });
  // The legend, a scrolling region, may take a Tab stop of its own on the way.
  const seen = [];
  for (let i = 0; i < 3 && seen.at(-1) !== 'mask-canvas'; i++) {
    await page.keyboard.press('Tab');
    seen.push(await frame.evaluate(() => document.activeElement?.id));
  }
  if (seen.at(-1) !== 'mask-canvas') fail(`Tab from the class list should reach the label map canvas; went to ${seen.join(', ')}`);
  await page.keyboard.down(' ');
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.up(' ');
  await until('the keyboard stroke to change the mask', 10_000, async () => {
    const after = await canvasStats(frame, '#mask-canvas', { x0: 0, y0: 0, x1: 1, y1: 1 });
    return after.data.some((v, i) => v !== before.data[i]);
  });

  // 6. Announcements: the stroke is said, and "picture updated" no more than once a second.
  await new Promise((r) => setTimeout(r, 4000));
  const said = await frame.evaluate(() => window.__said);
  if (!said.some(([, t]) => /^painted /.test(t))) fail(`the keyboard stroke was not announced: ${JSON.stringify(said)}`);
  const pictures = said.filter(([, t]) => t === 'Picture updated').map(([at]) => at);
  for (let i = 1; i < pictures.length; i++) {
    if (pictures[i] - pictures[i - 1] < 950) fail(`"Picture updated" twice within a second: ${JSON.stringify(said)}`);
  }
  const footer = await frame.$eval('#status', (el) => [el.getAttribute('aria-live'), el.getAttribute('role')]);
  if (footer.some((a) => a)) fail(`#status changes every frame and must not be a live region: ${JSON.stringify(footer)}`);

  // 7. axe-core in the webview frame (evaluated over the debugger protocol, which the page's CSP allows).
  await frame.evaluate(fs.readFileSync(AXE, 'utf8'));
  const violations = await frame.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await shot('a11y');
  if (bad.length) fail(`axe-core: ${bad.length} serious or critical violation(s): ${JSON.stringify(bad, null, 1)}`);

  // 8. The walkthrough ticks off what was done here (the map opened from the Explorer, a stroke, an
  //    export from the title bar) and nothing else (fine-tuning never ran).
  const walkthrough = await walkthroughProgress({ page, until, fail, runCommand });
  const want = { open: 'true', paint: 'true', export: 'true', finetune: 'false' };
  const wrong = Object.entries(want).filter(([step, done]) => walkthrough[step] !== done);
  if (wrong.length) fail(`walkthrough steps done (aria-checked) ${JSON.stringify(walkthrough)}; expected ${JSON.stringify(want)}`);

  // 9. High Contrast: VS Code's theme reaches the webview, focus and pressed tools get solid outlines.
  const highContrast = await underHighContrast({ frame, page, runCommand, until, fail, shot });
  return { minorViolations: violations.length, announcements: said.length, walkthrough, highContrast };
}

/** Opens the walkthrough with SPADE: Get Started; reads each step's aria-checked; closes it again. */
async function walkthroughProgress({ page, until, fail, runCommand }) {
  await runCommand(page, 'SPADE: Get Started');
  const steps = page.locator('.gettingStartedContainer button.getting-started-step[data-step-id]');
  await until('SPADE: Get Started to show the walkthrough\'s steps', 30_000, async () => (await steps.count()) >= 5);
  const progress = {};
  for (const el of await steps.all()) {
    const id = (await el.getAttribute('data-step-id')) ?? '';
    progress[id.replace(/^.*#/, '')] = await el.getAttribute('aria-checked');
  }
  const tab = page.locator('.tabs-container .tab', { hasText: 'Welcome' });
  await tab.first().click({ button: 'middle' });
  await tab.first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => fail('the walkthrough tab did not close'));
  return progress;
}

/** Picks a colour theme as a person would (Preferences: Color Theme); returns the one it replaced. */
async function pickTheme(page, runCommand, until, label) {
  await runCommand(page, 'Preferences: Color Theme');
  const focused = page.locator('.quick-input-widget .monaco-list-row.focused');
  await until('the colour theme picker to open on the current theme', 15_000, async () => (await focused.count()) > 0);
  const previous = (await focused.first().getAttribute('aria-label'))?.replace(/,.*$/, '').trim();
  await page.locator('.quick-input-widget input').fill(label);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label });
  await row.first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  return previous;
}

/** Switches to Dark High Contrast, checks the outlines in the webview, and switches back. */
async function underHighContrast({ frame, page, runCommand, until, fail, shot }) {
  const isHc = () => frame.evaluate(() => document.body.classList.contains('vscode-high-contrast'));
  const previous = await pickTheme(page, runCommand, until, 'Dark High Contrast');
  if (!previous) fail('the colour theme picker showed no current theme');
  try {
    await until('the webview body to take the vscode-high-contrast class', 30_000, isHc);
    await frame.locator('#class-filter').focus();
    await page.keyboard.press('Tab');
    const seen = await frame.evaluate(() => {
      const ring = (el) => {
        const cs = el && getComputedStyle(el);
        return cs && { id: el.id, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor };
      };
      return { focused: ring(document.activeElement), pressed: ring(document.querySelector('[id^="tool-"][aria-pressed="true"]')) };
    });
    const drawn = (r) => r && r.style === 'solid' && r.width >= 1 && !/rgba\(.*, 0\)$|transparent/.test(r.color);
    if (seen.focused?.id !== 'class-list' || !drawn(seen.focused)) fail(`High Contrast: the focused class list has no solid outline: ${JSON.stringify(seen)}`);
    if (!drawn(seen.pressed)) fail(`High Contrast: the pressed tool button has no solid outline: ${JSON.stringify(seen)}`);
    await shot('a11y-high-contrast');
    return seen;
  } finally {
    await pickTheme(page, runCommand, until, previous);
    await until(`the webview to leave High Contrast again (${previous})`, 30_000, async () => !(await isHc()));
  }
}
