// The fine-tune estimate's pure parts: the probe's rate, the words, and the per backend+model cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SPEED_CACHE_SIZE, SPEED_MEMENTO, SpeedCache, estimateDetail, estimateLine, formatDurationInWords, measureFromProbe,
  speedCacheKey,
  type SpeedKey, type SpeedMeasure,
} from '../../../src/extension/finetune/speed_estimate';

const metrics = (rows: [number, number][]) => rows.map(([step, elapsed_s]) => JSON.stringify({ step, steps_total: 3, elapsed_s, G_GAN: 1 })).join('\n');

test('the probe rate leaves the first step (kernel compilation) out', () => {
  const log = 'backend: wasm (auto: no WebGPU adapter (none))\ntraining 3 steps on wasm (batch 1, 4 pairs, 128px), writing to /t\n';
  const m = measureFromProbe(metrics([[1, 30], [2, 34], [3, 38]]) + '\n{"step": 4, "half', log, 1000);
  assert.deepEqual(m, { stepsPerSec: 2 / 8, backend: 'wasm', reason: 'no WebGPU adapter (none)', stepsTimed: 2, measuredAt: 1000 });
});

test('a named backend has no reason; one logged step is timed on its own; nothing usable gives undefined', () => {
  const m = measureFromProbe(metrics([[1, 4]]), 'training 1 step on webgpu (batch 2, …)', 5);
  assert.deepEqual(m, { stepsPerSec: 0.25, backend: 'webgpu', stepsTimed: 1, measuredAt: 5 });
  assert.equal(measureFromProbe('', 'training 3 steps on wasm', 0), undefined, 'no metrics');
  assert.equal(measureFromProbe(metrics([[1, 2], [3, 2]]), 'training 3 steps on wasm', 0), undefined, 'no time passed');
  assert.equal(measureFromProbe(metrics([[1, 2], [3, 4]]), 'no backend line', 0), undefined, 'no backend named');
});

test('durations in words', () => {
  const cases: [number, string][] = [
    [0.2, 'about 1 s'], [42, 'about 42 s'], [89, 'about 89 s'], [90, 'about 2 min'], [725, 'about 12 min'],
    [5340, 'about 89 min'], [5400, 'about 1 h 30 min'], [7200, 'about 2 h'], [48 * 3600, 'about 2 days'], [53 * 3600, 'about 2 days 5 h'],
    [NaN, 'an unknown time'], [-1, 'an unknown time'],
  ];
  for (const [s, want] of cases) assert.equal(formatDurationInWords(s), want, String(s));
});

test('the estimate line and detail; a CPU backend says what that means, a GPU one does not', () => {
  const cpu: SpeedMeasure = { stepsPerSec: 0.2, backend: 'wasm', reason: 'no WebGPU adapter', stepsTimed: 2, measuredAt: Date.UTC(2026, 11, 7) };
  assert.equal(estimateLine(1000, cpu), 'about 83 min for 1,000 steps on wasm (the CPU)');
  const d = estimateDetail(cpu, true);
  assert.match(d, /^5\.0 s a step on wasm, measured on 2026-12-07 over 2 steps/);
  assert.match(d, /--backend auto chose wasm: no WebGPU adapter\./);
  assert.match(d, /Training will run on the CPU/);
  const gpu: SpeedMeasure = { stepsPerSec: 4, backend: 'webgpu', stepsTimed: 2, measuredAt: 0 };
  assert.equal(estimateLine(1000, gpu), 'about 4 min for 1,000 steps on webgpu');
  assert.match(estimateDetail(gpu, false), /^4\.00 steps\/s on webgpu, just measured/);
  assert.doesNotMatch(estimateDetail(gpu, false), /CPU/);
});

class MapMemento {
  readonly map = new Map<string, unknown>();
  get<T>(k: string): T | undefined {
    return this.map.get(k) as T | undefined;
  }
  async update(k: string, v: unknown): Promise<void> {
    this.map.set(k, JSON.parse(JSON.stringify(v)));
  }
}

test('the cache keys on backend, checkpoint file (path, size, time) and batch, and keeps the newest', async () => {
  const mem = new MapMemento();
  const cache = new SpeedCache(mem);
  const key: SpeedKey = { backend: 'auto', checkpoint: { path: '/m.safetensors', size: 10, mtimeMs: 5 }, batch: 1 };
  const m: SpeedMeasure = { stepsPerSec: 0.5, backend: 'wasm', stepsTimed: 2, measuredAt: 1 };
  assert.equal(cache.get(key), undefined);
  await cache.set(key, m);
  assert.deepEqual(cache.get(key), m);
  assert.deepEqual(new SpeedCache(mem).get({ ...key }), m, 'kept in the memento');
  for (const other of [{ ...key, backend: 'wasm' }, { ...key, batch: 2 }, { ...key, checkpoint: { ...key.checkpoint!, mtimeMs: 6 } }, { ...key, checkpoint: null }]) {
    assert.equal(cache.get(other), undefined, speedCacheKey(other));
  }
  for (let i = 0; i < SPEED_CACHE_SIZE + 5; i++) await cache.set({ ...key, batch: 10 + i }, { ...m, measuredAt: 10 + i });
  const kept = mem.get<Record<string, SpeedMeasure>>(SPEED_MEMENTO)!;
  assert.equal(Object.keys(kept).length, SPEED_CACHE_SIZE);
  assert.equal(cache.get(key), undefined, 'the oldest went first');
  assert.ok(cache.get({ ...key, batch: 10 + SPEED_CACHE_SIZE + 4 }));
  mem.map.set(SPEED_MEMENTO, { [speedCacheKey(key)]: { stepsPerSec: 'fast', backend: 'wasm' } });
  assert.equal(cache.get(key), undefined, 'a damaged entry is ignored');
});
