// `spade bench` through the built CLI: every row is either measured (positive numbers) or says
// why not, the JSON document has the documented schema, and bad flags are refused.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { torchStatus } from '../../../src/cli/bench/torch_runner';
import type { BenchDocument, BenchRow } from '../../../src/cli/bench/rows';
import { runSpade } from '../../helpers/cli';

const spade = (...args: string[]) => runSpade(args, 600_000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-bench-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const torch = torchStatus();

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

function checkRows(doc: BenchDocument, expected: string[], kind: string): BenchRow[] {
  assert.ok(Array.isArray(doc.rows));
  assert.deepEqual(doc.rows.map((r) => r.backend), expected);
  for (const r of doc.rows) {
    assert.equal(r.kind, kind);
    assert.equal(r.config, 'toy');
    assert.ok(r.runtime === 'tfjs' || r.runtime === 'pytorch');
    assert.ok(positive(r.gmacs) && positive(r.params_G));
    for (const k of ['fwd_ms_median', 'fwd_ms_cold', 'peak_mb', 'ratio_vs_pytorch'] as const) assert.ok(k in r, `${r.backend}: ${k} is present`);
    assert.equal(r.skipped, undefined, `${r.backend} was not measured: ${r.skipped}`);
    assert.ok(positive(r.fwd_ms_median) && positive(r.fwd_ms_cold), `${r.backend}: times ${r.fwd_ms_median}, ${r.fwd_ms_cold}`);
    assert.ok(positive(r.peak_mb), `${r.backend}: peak ${r.peak_mb}`);
    const pytorch = doc.rows.find((p) => p.runtime === 'pytorch');
    if (r.runtime === 'pytorch' || !pytorch) assert.equal(r.ratio_vs_pytorch, null);
    else assert.ok(Math.abs(r.ratio_vs_pytorch! - r.fwd_ms_median! / pytorch.fwd_ms_median!) < 1e-9, `${r.backend}: ratio`);
  }
  return doc.rows;
}

test('spade bench forward --config toy: wasm, cpu and webgpu (Dawn) rows, PyTorch where installed, JSON and Markdown', (t) => {
  const json = path.join(tmp, 'forward.json');
  const r = spade('bench', 'forward', '--config', 'toy', '--backend', 'wasm,cpu,webgpu', '--runs', '2', '--json', json);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument;
  const rows = checkRows(doc, ['wasm', 'cpu', 'webgpu', ...(torch.ok ? ['pytorch-cpu'] : [])], 'forward');
  assert.ok(positive(doc.machine.cpus) && typeof doc.machine.note === 'string');
  assert.match(r.stdout, /\| config \| backend \| runtime \| forward warm median \(ms\) \|/);
  for (const row of rows) assert.match(r.stdout, new RegExp(`\\| toy \\| ${row.backend} \\| ${row.runtime} \\| \\d+ \\| \\d+ \\|`));
  assert.match(rows[2].note ?? '', /Dawn/);
  if (!torch.ok) t.diagnostic(`no PyTorch row: ${torch.reason}`);
  t.diagnostic(rows.map((x) => `${x.backend}: ${x.fwd_ms_median!.toFixed(1)} ms warm, ${x.fwd_ms_cold!.toFixed(1)} ms cold, ${x.peak_mb!.toFixed(0)} MB`).join('; '));
});

test('spade bench forward --browser: headless Chromium rows on WebGPU (SwiftShader), WebGL and wasm', (t) => {
  const json = path.join(tmp, 'browser.json');
  const r = spade('bench', 'forward', '--config', 'toy', '--backend', 'wasm', '--browser', '--no_torch', '--runs', '1', '--json', json);
  assert.equal(r.code, 0, r.stderr);
  const rows = checkRows(JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument, ['wasm', 'browser-webgpu', 'browser-webgl', 'browser-wasm'], 'forward');
  assert.match(rows[1].note ?? '', /webgpu/);
  assert.equal(rows[1].peak_kind, 'tensors');
  assert.match(rows[3].note ?? '', /: wasm$/);
  assert.ok(rows[3].peak_mb! > 0, 'the wasm heap is reported');
  t.diagnostic(rows.map((x) => `${x.backend}: ${x.fwd_ms_median!.toFixed(1)} ms warm, ${x.fwd_ms_cold!.toFixed(1)} ms cold`).join('; '));
});

test('spade bench train --config toy: step time on cpu, PyTorch where installed', (t) => {
  const json = path.join(tmp, 'train.json');
  const r = spade('bench', 'train', '--config', 'toy', '--backend', 'cpu', '--runs', '1', '--json', json);
  assert.equal(r.code, 0, r.stderr);
  checkRows(JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument, ['cpu', ...(torch.ok ? ['pytorch-cpu'] : [])], 'train');
  assert.match(r.stdout, /step warm median \(ms\)/);
  if (!torch.ok) t.diagnostic(`no PyTorch row: ${torch.reason}`);
});

test('rows that would take minutes are listed as skipped with the reason, not dropped', () => {
  const json = path.join(tmp, 'skip.json');
  const r = spade('bench', 'forward', '--config', 'coco', '--backend', 'cpu', '--no_torch', '--json', json);
  assert.equal(r.code, 0, r.stderr);
  const [row] = (JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument).rows;
  assert.equal(row.backend, 'cpu');
  assert.match(row.skipped ?? '', /^skipped \(about \d+ s/);
  assert.equal(row.fwd_ms_median, null);
  assert.equal(row.gmacs.toFixed(0), '191'); // NVlabs' COCO generator: about 191 GMACs at 256²
  assert.equal(row.params_G, 97_480_899);
});

test('bad flags: one line on stderr, exit 2', () => {
  for (const [args, re] of [
    [['--config', 'huge'], /--config must be .*toy.*got 'huge'/],
    [['--backend', 'wasm,metal'], /--backend must be .*got 'metal'/],
    [['--runs', '0'], /--runs must be an integer ≥ 1/],
    [['sideways'], /bench mode must be forward or train/],
  ] as [string[], RegExp][]) {
    const r = spade('bench', ...args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});
