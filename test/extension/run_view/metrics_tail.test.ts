/**
 * Following metrics.jsonl as `spade train` writes it: only appended bytes are read, a line still
 * being written waits for its newline, a file cut shorter or replaced (as --resume rewrites it) is
 * read again from the start, and a 100,000-line file is read in chunks into a bucketed series.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MetricsTail } from '../../../src/extension/run_view/metrics_tail';
import { RunSeries } from '../../../src/extension/run_view/run_series';
import { MAX_POINTS } from '../../../src/shared/run_view_protocol';

function tmpFile(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-tail-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'metrics.jsonl');
}

const row = (step: number, total = 100) =>
  JSON.stringify({ step, steps_total: total, elapsed_s: step / 2, steps_per_s: 2, eta_s: (total - step) / 2, lr_G: 1e-4, lr_D: 4e-4, G_GAN: 1 + (step % 10), D_real: step % 2 }) + '\n';

describe('metrics.jsonl tail', () => {
  it('reads nothing from a missing file, then the rows once it appears', async (t) => {
    const file = tmpFile(t);
    const tail = new MetricsTail(file);
    assert.deepEqual(await tail.read(), { reset: false, rows: [], badLines: 0, exists: false });
    fs.writeFileSync(file, row(1) + row(2));
    const r = await tail.read();
    assert.equal(r.exists, true);
    assert.equal(r.reset, false);
    assert.deepEqual(r.rows.map((m) => m.step), [1, 2]);
    assert.deepEqual(r.rows[0].values, { lr_G: 1e-4, lr_D: 4e-4, G_GAN: 2, D_real: 1 });
  });

  it('reads only appended bytes and holds back a partial last line until its newline', async (t) => {
    const file = tmpFile(t);
    fs.writeFileSync(file, row(1));
    const tail = new MetricsTail(file);
    assert.equal((await tail.read()).rows.length, 1);
    const next = row(2);
    fs.appendFileSync(file, next.slice(0, 20)); // torn in the middle of the JSON
    const partial = await tail.read();
    assert.equal(partial.rows.length, 0);
    assert.equal(partial.badLines, 0, 'a line still being written is not a bad line');
    fs.appendFileSync(file, next.slice(20) + row(3));
    const rest = await tail.read();
    assert.deepEqual(rest.rows.map((m) => m.step), [2, 3]);
    assert.equal(rest.reset, false);
    assert.equal(tail.bytesRead, fs.statSync(file).size);
    assert.equal((await tail.read()).rows.length, 0, 'nothing new, nothing read');
  });

  it('counts complete lines that are not metrics rows and skips them', async (t) => {
    const file = tmpFile(t);
    fs.writeFileSync(file, row(1) + 'not json\n{"step": "x"}\n\n' + row(2));
    const r = await new MetricsTail(file).read();
    assert.deepEqual(r.rows.map((m) => m.step), [1, 2]);
    assert.equal(r.badLines, 2);
  });

  it('starts over when the file is cut shorter (size < offset)', async (t) => {
    const file = tmpFile(t);
    fs.writeFileSync(file, row(1) + row(2) + row(3) + row(4));
    const tail = new MetricsTail(file);
    assert.equal((await tail.read()).rows.length, 4);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, row(1) + row(2));
    const r = await tail.read();
    assert.equal(r.reset, true);
    assert.deepEqual(r.rows.map((m) => m.step), [1, 2]);
  });

  it('starts over when the file is replaced by a rename, even a longer one (spade train --resume)', async (t) => {
    const file = tmpFile(t);
    fs.writeFileSync(file, row(1) + row(2) + row(3));
    const tail = new MetricsTail(file);
    assert.equal((await tail.read()).rows.length, 3);
    // As writeFileAtomic does: a temp file renamed over the log; then the resumed run appends.
    const temp = file + '.tmp';
    fs.writeFileSync(temp, row(1) + row(2) + row(3) + row(4) + row(5));
    fs.renameSync(temp, file);
    const r = await tail.read();
    assert.equal(r.reset, true);
    assert.deepEqual(r.rows.map((m) => m.step), [1, 2, 3, 4, 5]);
  });

  it('reads a 100,000-line file in chunks into at most MAX_POINTS points a line', async (t) => {
    const file = tmpFile(t);
    const n = 100_000;
    const parts: string[] = [];
    for (let s = 1; s <= n; s++) parts.push(row(s, n));
    fs.writeFileSync(file, parts.join(''));
    const size = fs.statSync(file).size;
    const tail = new MetricsTail(file, 64 * 1024); // small chunks: many reads, each yielding
    const read = await tail.read();
    assert.equal(read.rows.length, n);
    assert.equal(read.badLines, 0);
    assert.equal(tail.bytesRead, size);
    assert.deepEqual(read.rows.slice(-2).map((m) => m.step), [n - 1, n]);

    const series = new RunSeries();
    series.append(read.rows);
    assert.equal(series.rows, n);
    const b = series.bucketed(MAX_POINTS);
    assert.equal(b.bucket, n / MAX_POINTS);
    assert.equal(b.steps.length, MAX_POINTS);
    assert.equal(b.steps[0], 100);
    assert.equal(b.steps.at(-1), n);
    // G_GAN cycles 1..10 over each 10 steps and D_real alternates: each bucket of 100 averages them exactly.
    assert.deepEqual(Object.keys(b.values), ['G_GAN', 'D_real', 'lr_D', 'lr_G', 'steps_per_s']);
    for (const k of Object.keys(b.values)) assert.equal(b.values[k].length, MAX_POINTS, k);
    assert.ok(b.values.G_GAN.every((v) => v !== null && Math.abs(v - 5.5) < 1e-9));
    assert.ok(b.values.D_real.every((v) => v !== null && Math.abs(v - 0.5) < 1e-12));
    assert.deepEqual(series.progress, { step: n, stepsTotal: n, stepsPerS: 2, etaS: 0, elapsedS: n / 2 });

    // One more line appended: only it is read.
    fs.appendFileSync(file, row(n + 1, n + 1));
    const more = await tail.read();
    assert.deepEqual(more.rows.map((m) => m.step), [n + 1]);
  });
});
