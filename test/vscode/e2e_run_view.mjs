// The run view, end to end (called from run-e2e.mjs): a real `spade train` of a few steps into the
// workspace, its run folder opened with SPADE: Show Training Run while it trains, the charts drawn
// and growing before the run ends, then every step and the sample slider through every grid.
// Screenshots: e2e-<backend>-run-view-training.png (mid-run) and e2e-<backend>-run-view.png.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths.mjs';

const STEPS = 6;

export async function driveRunView({ page, workspace, until, fail, shot, runCommand, findFrame }) {
  const cli = path.join(paths.root, 'dist', 'cli.js');
  const model = path.join(paths.root, 'media', 'models', 'tiny-untrained.safetensors');
  const data = path.join(workspace, 'datasets', 'e2e-run');
  const out = path.join(workspace, 'runs', 'e2e');
  fs.mkdirSync(path.dirname(data), { recursive: true });
  const made = spawnSync(process.execPath, [cli, 'dataset', 'landscapes', '--count', '4', '--size', '128', '--out', data], { encoding: 'utf8' });
  if (made.status !== 0) fail(`spade dataset failed: ${made.stderr}`);

  const child = spawn(process.execPath, [cli, 'train', '--data', data, '--checkpoint', model, '--out', out,
    '--steps', String(STEPS), '--batch', '1', '--log_every=1', '--sample_every=1', `--save_every=${STEPS}`, '--seed=1'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exitCode;
  const exited = new Promise((resolve) => child.on('close', (code) => resolve((exitCode = code))));
  try {
    // The quick pick lists run folders that have a metrics.jsonl: wait for the first logged step.
    await until('spade train to log its first step', 120_000, () => fs.existsSync(path.join(out, 'metrics.jsonl')));
    await runCommand(page, 'SPADE: Show Training Run');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'runs/e2e' });
    await row.first().waitFor({ timeout: 15_000 }).catch(() => fail('SPADE: Show Training Run did not list runs/e2e'));
    await row.first().click();
    const frame = await findFrame(page, '#sample-step', 60_000).catch(() => fail('no run view (a webview with #sample-step) opened'));

    const seen = () => frame.evaluate(() => ({
      charts: [...document.querySelectorAll('.charts figure figcaption')].map((c) => c.textContent),
      sampleMax: Number(document.getElementById('sample-step')?.max ?? -1),
      sampleShown: !!document.querySelector('img.sample')?.getAttribute('src'),
      notes: document.querySelector('.notes')?.textContent ?? '',
    }));
    // Mid-run: the loss charts are drawn and the sample slider has some grids, not yet all.
    let mid;
    await until('the run view to draw charts and a sample grid while spade train runs', 120_000, async () => {
      mid = await seen();
      return mid.charts.length > 0 && mid.sampleShown;
    });
    if (exitCode === undefined) await shot('run-view-training');
    const midRunning = exitCode === undefined && mid.sampleMax < STEPS - 1;

    if ((await exited) !== 0) fail(`spade train failed (exit ${exitCode}):\n${output.slice(-2000)}`);
    let last;
    await until(`the run view to show all ${STEPS} sample grids`, 30_000, async () => (last = await seen()).sampleMax === STEPS - 1);
    for (const want of ['G_GAN', 'D_real', 'Learning rate', 'Steps/s']) {
      if (!last.charts.some((c) => c?.startsWith(want))) fail(`the run view has no '${want}' chart: ${JSON.stringify(last.charts)}`);
    }
    // The slider's last grid is the last step's file.
    await frame.locator('#sample-step').focus();
    await page.keyboard.press('End');
    await until('the last sample grid to show', 10_000, async () =>
      /step_0*6\.png/.test(decodeURIComponent((await frame.getAttribute('img.sample', 'src')) ?? '')));
    await shot('run-view');
    return { charts: last.charts.length, midRun: midRunning ? { grids: mid.sampleMax + 1 } : 'the run ended before the view drew' };
  } finally {
    if (exitCode === undefined) child.kill();
  }
}
