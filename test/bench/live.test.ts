// `spade bench --cached_modulation` through the built CLI: the live rows are there, timed, and
// the 16-px strokes reproduced the full frames bit for bit.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchDocument } from '../../src/cli/bench/rows';
import { ROOT } from '../helpers/paths';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-bench-live-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('bench forward --cached_modulation adds the live rows, with identical stroke pixels', () => {
  const json = path.join(tmp, 'live.json');
  const r = spawnSync(process.execPath, [CLI, 'bench', 'forward', '--config', 'toy', '--backend', 'wasm', '--cached_modulation', '--no_torch', '--runs', '2', '--json', json], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument;
  const live = doc.live ?? [];
  assert.equal(live.length, 6, JSON.stringify(live));
  for (const row of live) {
    assert.equal(row.config, 'toy');
    assert.ok(row.ms_median > 0 && row.speedup_vs_full > 0, `${row.what}: ${row.ms_median} ms`);
  }
  const stroke = live.find((row) => row.what.startsWith('16-px brush stroke'));
  assert.match(stroke?.note ?? '', /^identical pixels/);
  assert.match(r.stdout, /\| toy \| wasm \| 16-px brush stroke/);

  const bad = spawnSync(process.execPath, [CLI, 'bench', 'train', '--config', 'toy', '--cached_modulation'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--cached_modulation goes with bench forward/);
});

// The dirty-region renderer in real Chromium: WebGL (ANGLE on SwiftShader) and WebGPU (SwiftShader)
// are the webview's GPU backends, and only here do they run the crop-and-paste path (Node covers
// cpu, wasm and Dawn's WebGPU in live.test.ts). toy256 is small enough for SwiftShader yet large
// enough that a stroke recomputes blocks on crops.
test('bench forward --browser --cached_modulation: strokes reproduce full frames bit for bit on WebGL, WebGPU and wasm in Chromium', (t) => {
  const json = path.join(tmp, 'browser-live.json');
  const r = spawnSync(process.execPath, [CLI, 'bench', 'forward', '--config', 'toy256', '--backend', 'wasm', '--browser', '--cached_modulation', '--no_torch', '--runs', '2', '--json', json], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(r.status, 0, r.stderr);
  const live = (JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument).live ?? [];
  for (const backend of ['wasm', 'browser-webgpu', 'browser-webgl', 'browser-wasm']) {
    const stroke = live.find((row) => row.backend === backend && row.what.startsWith('16-px brush stroke'));
    assert.ok(stroke, `${backend}: no stroke row (${r.stderr.split('\n').filter((l) => l.includes(backend)).join('; ')})`);
    assert.match(stroke.note ?? '', /^identical pixels/, `${backend}: ${stroke.note}`);
    // Blocks recomputed on crops, not only whole: the path under test ran.
    const crops = /blocks on a crop: ([\d,]+)/.exec(stroke.note ?? '')?.[1].split(',').map(Number) ?? [];
    assert.ok(crops.some((n) => n > 0), `${backend}: no block ran on a crop (${stroke.note})`);
    t.diagnostic(`${backend}: stroke ${stroke.ms_median.toFixed(0)} ms, ${stroke.speedup_vs_full.toFixed(2)}x a full frame`);
  }
});
