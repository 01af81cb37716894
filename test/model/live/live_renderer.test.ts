// The modulation cache, the one-hot conv as a gather, and the dirty-region renderer
// (src/model/live) against the plain forward, on toy configurations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { makeConfig, outputSize, type SpadeConfig } from '../../../src/model/config';
import { SpadeModel } from '../../../src/model/model';
import type { LabelBatch } from '../../../src/model/preprocess';
import { LiveRenderer } from '../../../src/model/live/live_renderer';
import { liveFrame } from '../../../src/webview/live_frames';
import { SpadeInputError } from '../../../src/model/errors';
import { preferredMethod } from '../../../src/model/live/modulation';
import { Ctx } from '../../../src/model/nn/context';
import { semanticInput } from '../../../src/model/preprocess';
import { mulberry32 } from '../../../src/model/random';
import { useBackend } from '../../helpers/reference';
import { countsSince, gpuCounts, installGpuCounter } from '../../../src/cli/bench/gpu_profile';

const TOYS: Record<string, Partial<SpadeConfig>> = {
  // batch norm, VAE, 'normal', aspect 2 (32 x 64)
  bn_vae: { label_nc: 5, no_instance: true, ngf: 2, spade_hidden: 8, crop_size: 64, aspect_ratio: 2, use_vae: true, z_dim: 8 },
  // batch norm, instance edges + dontcare, non-VAE fc, 'more', square (64 x 64)
  bn_more_inst: { label_nc: 6, contain_dontcare_label: true, no_instance: false, ngf: 2, spade_hidden: 8, crop_size: 64, num_upsampling_layers: 'more' },
  // instance norm, 5x5 SPADE kernels, aspect 0.5 (128 x 64), VAE
  in_5x5: { label_nc: 4, no_instance: true, ngf: 2, spade_hidden: 4, crop_size: 64, aspect_ratio: 0.5, use_vae: true, z_dim: 4, norm_G: 'spectralspadeinstance5x5' },
};

function randomLabels(cfg: SpadeConfig, seed: number): LabelBatch {
  const { height: h, width: w } = outputSize(cfg);
  const rnd = mulberry32(seed);
  const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  const ids = new Int32Array(h * w);
  // Blobs rather than noise, as painted masks are.
  for (let k = 0; k < 6; k++)
    paint(ids, w, h, Math.floor(rnd() * w), Math.floor(rnd() * h), 4 + Math.floor(rnd() * 20), Math.floor(rnd() * nc));
  return { ids, n: 1, h, w, instances: cfg.no_instance ? undefined : ids };
}

function paint(ids: Int32Array, w: number, h: number, cx: number, cy: number, size: number, v: number): void {
  for (let y = Math.max(0, cy - size); y < Math.min(h, cy + size); y++) {
    for (let x = Math.max(0, cx - size); x < Math.min(w, cx + size); x++) ids[y * w + x] = v;
  }
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

function assertSame(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
}

for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
  test(`modulation cache equals the plain forward exactly (dense, ${backend})`, async () => {
    await useBackend(backend);
    for (const [name, opts] of Object.entries(TOYS)) {
      const cfg = makeConfig(opts);
      const model = SpadeModel.initialise(cfg, 3);
      const labels = randomLabels(cfg, 1);
      const mask = model.prepareMask(labels, { method: 'dense' });
      for (const seed of [0, 5]) {
        const plain = await values(model.synthesize(labels, { seed }));
        const cached = await values(model.synthesizePrepared(mask, { seed }));
        assertSame(cached, plain, `${name} seed ${seed}`);
      }
      mask.dispose();
      model.dispose();
    }
  });
}

test('one-hot conv as a gather matches the dense conv to float tolerance', async () => {
  await useBackend('cpu');
  for (const [name, opts] of Object.entries(TOYS)) {
    const cfg = makeConfig(opts);
    const model = SpadeModel.initialise(cfg, 4);
    const labels = randomLabels(cfg, 2);
    const dense = model.prepareMask(labels, { method: 'dense' });
    const gather = model.prepareMask(labels, { method: 'gather' });
    for (const [key, m] of dense.mods) {
      for (const part of ['gamma', 'beta'] as const) {
        const a = (await m[part].data()) as Float32Array;
        const b = (await gather.mods.get(key)![part].data()) as Float32Array;
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
          scale = Math.max(scale, Math.abs(a[i]));
        }
        assert.ok(worst <= 1e-5 * Math.max(scale, 1e-3), `${name} ${key}.${part}: worst ${worst} (scale ${scale})`);
      }
    }
    const img = await values(model.synthesizePrepared(gather, { seed: 1 }));
    const ref = await values(model.synthesize(labels, { seed: 1 }));
    let worst = 0;
    for (let i = 0; i < img.length; i++) worst = Math.max(worst, Math.abs(img[i] - ref[i]));
    assert.ok(worst < 1e-5, `${name} image: worst ${worst}`);
    dense.dispose();
    gather.dispose();
    model.dispose();
  }
});

/** A stroke: a w x h rectangle of one class; some at corners and edges, as brushes reach them. */
function strokes(cfg: SpadeConfig, seed: number, count: number): Array<{ x: number; y: number; size: number; v: number }> {
  const { height: h, width: w } = outputSize(cfg);
  const rnd = mulberry32(seed);
  const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  const fixed = [
    { x: 0, y: 0 },
    { x: w - 1, y: h - 1 },
    { x: w - 1, y: 0 },
    { x: Math.floor(w / 2), y: h - 2 },
  ];
  return Array.from({ length: count }, (_, i) => ({
    ...(fixed[i] ?? { x: Math.floor(rnd() * w), y: Math.floor(rnd() * h) }),
    size: 1 + Math.floor(rnd() * 8),
    v: Math.floor(rnd() * nc),
  }));
}

for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
  test(`dirty-region renderer equals the full recompute exactly after random strokes (${backend})`, async () => {
    await useBackend(backend);
    for (const [name, opts] of Object.entries(TOYS)) {
      const cfg = makeConfig(opts);
      const model = SpadeModel.initialise(cfg, 7);
      for (const method of ['dense', 'gather'] as const) {
        const live = new LiveRenderer(model.G, model.params.G, { method });
        const labels = randomLabels(cfg, 3);
        let partial = 0;
        let frame = 0;
        // Fewer on cpu (pure-JS convs) and webgpu (a software adapter in CI); the fixed border strokes come first.
        for (const s of strokes(cfg, 11, backend === 'wasm' ? 10 : 7)) {
          // A style change now and then: the main path must follow it, from the cached modulations.
          const style = { seed: frame === 5 ? 9 : 2 };
          paint(labels.ids, labels.w, labels.h, s.x, s.y, s.size, s.v);
          const got = live.render({ ...labels, ids: labels.ids.slice() }, style);
          partial += got.partialBlocks;
          if (frame > 0) assert.ok(got.incremental || got.changed === null, `${name} frame ${frame}: incremental`);
          let ref: tf.Tensor4D;
          if (method === 'dense') ref = model.synthesize(labels, style);
          else {
            const mask = model.prepareMask(labels, { method });
            ref = model.synthesizePrepared(mask, style);
            mask.dispose();
          }
          assertSame(await values(got.image), await values(ref), `${name} ${method} frame ${frame} (stroke at ${s.x},${s.y} size ${s.size})`);
          frame++;
        }
        // Batch norm keeps the coarse blocks local; instance norm always runs the main path whole.
        if (opts.norm_G?.includes('instance')) assert.equal(partial, 0, name);
        else assert.ok(partial > 0, `${name} ${method}: some block was recomputed on a crop`);
        live.dispose();
      }
      model.dispose();
    }
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`frames given up part way (a newer mask waiting) leave the next frame exact (${backend})`, async () => {
    await useBackend(backend);
    const rnd = mulberry32(23);
    for (const [name, opts] of Object.entries(TOYS)) {
      const tensors = tf.memory().numTensors;
      const cfg = makeConfig(opts);
      const model = SpadeModel.initialise(cfg, 5);
      // The smallest steps: layers run in bands of rows, which frames are given up between too.
      const live = new LiveRenderer(model.G, model.params.G, { stepMs: 0 });
      const labels = randomLabels(cfg, 4);
      let pauses = 0;
      const pause = async () => {
        pauses++;
      };
      let abandoned = 0;
      for (const [frame, s] of strokes(cfg, 17, backend === 'wasm' ? 9 : 6).entries()) {
        paint(labels.ids, labels.w, labels.h, s.x, s.y, s.size, s.v);
        // A style change now and then, given up too: the main path was being rerun whole.
        const style = { seed: frame % 4 === 3 ? 10 + frame : 2 };
        // Give up after a random number of steps (0: after the first), once or twice in a row, on
        // this mask or a stroke in between; then a frame that runs to the end must be exact.
        for (let k = 0; k < 1 + (frame % 2); k++) {
          const after = Math.floor(rnd() * 16);
          let seen = 0;
          const stop = () => seen++ >= after;
          const r = await live.renderPreemptible({ ...labels, ids: labels.ids.slice() }, style, undefined, stop, pause);
          if (r) r.image.dispose();
          else abandoned++;
          if (k === 0 && frame % 3 === 1) paint(labels.ids, labels.w, labels.h, (s.x + 7) % labels.w, s.y, 2, s.v);
        }
        const got = await live.renderPreemptible({ ...labels, ids: labels.ids.slice() }, style, undefined, () => false, pause);
        assert.ok(got, 'a frame not stopped completes');
        assertSame(await values(got.image), await values(model.synthesize(labels, style)), `${name} frame ${frame}`);
      }
      assert.ok(abandoned >= 4, `${name}: ${abandoned} frames given up`);
      assert.ok(pauses > 0);
      live.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, tensors, `${name}: the frames given up (bands under way among them) left no tensors`);
    }
  });
}

test('a whole frame can be given up after every SPADE layer\'s modulations and every block but the last (cpu)', async () => {
  await useBackend('cpu');
  const cfg = makeConfig(TOYS.bn_vae);
  const model = SpadeModel.initialise(cfg, 6);
  const live = new LiveRenderer(model.G, model.params.G);
  const labels = randomLabels(cfg, 5);
  const spades = model.G.blocks.reduce((k, b) => k + b.spades().length, 0);
  let pauses = 0;
  const frame = await live.renderPreemptible(labels, { seed: 1 }, undefined, () => false, async () => {
    pauses++;
  });
  assert.ok(frame && !frame.incremental, 'the first frame is whole');
  assert.equal(pauses, spades + model.G.blocks.length - 1);
  frame.image.dispose();
  // Given up in the middle of the modulations (two new masks in turn): nothing half-made is kept,
  // and the next frame is exact.
  const shifted = (k: number) => ({ ...labels, ids: labels.ids.map((v) => (v + k) % cfg.label_nc) });
  let seen = 0;
  assert.equal(await live.renderPreemptible(shifted(1), { seed: 1 }, undefined, () => ++seen > 2, async () => {}), null);
  seen = 0;
  assert.equal(await live.renderPreemptible(shifted(2), { seed: 1 }, undefined, () => ++seen > 3, async () => {}), null);
  assert.ok(seen < spades, 'given up before the modulations were all made');
  const got = live.render(labels, { seed: 1 });
  assertSame(await values(got.image), await values(model.synthesize(labels, { seed: 1 })), 'after two frames given up');
  live.dispose();
  // With the smallest steps layers run in bands: more pauses, the same pixels.
  const banded = new LiveRenderer(model.G, model.params.G, { stepMs: 0 });
  pauses = 0;
  const inBands = await banded.renderPreemptible(labels, { seed: 1 }, undefined, () => false, async () => {
    pauses++;
  });
  assert.ok(pauses > spades + model.G.blocks.length - 1, `${pauses} pauses`);
  assertSame(await values(inBands!.image), await values(model.synthesize(labels, { seed: 1 })), 'a whole frame in bands');
  banded.dispose();
  model.dispose();
});

test('bucketed dirty boxes (the GPU default) are exact too, and on by default only on GPU backends (cpu)', async () => {
  await useBackend('cpu');
  for (const name of ['bn_vae', 'bn_more_inst'] as const) {
    const cfg = makeConfig(TOYS[name]);
    const model = SpadeModel.initialise(cfg, 7);
    assert.equal(new LiveRenderer(model.G, model.params.G).bucketBoxes, false, 'off on cpu by default');
    const live = new LiveRenderer(model.G, model.params.G, { bucketBoxes: true });
    const labels = randomLabels(cfg, 3);
    let partial = 0;
    for (const [frame, s] of strokes(cfg, 13, 8).entries()) {
      paint(labels.ids, labels.w, labels.h, s.x, s.y, s.size, s.v);
      const got = live.render({ ...labels, ids: labels.ids.slice() }, { seed: 2 });
      partial += got.partialBlocks;
      assertSame(await values(got.image), await values(model.synthesize(labels, { seed: 2 })), `${name} frame ${frame}`);
    }
    assert.ok(partial > 0, `${name}: some block was still recomputed on a crop`);
    live.dispose();
    model.dispose();
  }
});

test('without dirty regions (the WebGL default) a changed mask reruns whole and a new style reuses the modulations (cpu)', async () => {
  await useBackend('cpu');
  const cfg = makeConfig(TOYS.bn_vae);
  const model = SpadeModel.initialise(cfg, 4);
  assert.equal(new LiveRenderer(model.G, model.params.G).dirtyRegions, true, 'on by default on cpu');
  const live = new LiveRenderer(model.G, model.params.G, { dirtyRegions: false });
  const labels = randomLabels(cfg, 8);
  for (const [frame, s] of strokes(cfg, 19, 4).entries()) {
    paint(labels.ids, labels.w, labels.h, s.x, s.y, s.size, s.v);
    const got = live.render({ ...labels, ids: labels.ids.slice() }, { seed: 3 });
    assert.equal(got.incremental, false, `frame ${frame}: recomputed whole`);
    assert.equal(got.partialBlocks, 0);
    assertSame(await values(got.image), await values(model.synthesize(labels, { seed: 3 })), `frame ${frame}`);
  }
  const restyled = live.render({ ...labels, ids: labels.ids.slice() }, { seed: 4 });
  assert.equal(restyled.changed, null, 'same mask: the cached modulations serve the new style');
  assertSame(await values(restyled.image), await values(model.synthesize(labels, { seed: 4 })), 'new style');
  live.dispose();
  model.dispose();
});

test('frames on WebGPU (device crops, pastes, bucketed boxes) keep no more tensors than the first, and free them all', async () => {
  await useBackend('webgpu');
  const before = tf.memory().numTensors;
  const cfg = makeConfig(TOYS.bn_more_inst);
  const model = SpadeModel.initialise(cfg, 1);
  const live = new LiveRenderer(model.G, model.params.G);
  assert.ok(live.bucketBoxes, 'on by default on webgpu');
  const labels = randomLabels(cfg, 4);
  const rnd = mulberry32(3);
  // The mask's device copy lives until the next frame, with the grids that frame used: the count
  // moves with them, and the first frame (every grid whole) holds the most.
  let first = -1;
  for (let frame = 0; frame < 12; frame++) {
    paint(labels.ids, labels.w, labels.h, Math.floor(rnd() * labels.w), Math.floor(rnd() * labels.h), 2, frame % 5);
    const l = { ...labels, ids: labels.ids.slice() };
    live.render(l).image.dispose();
    const mask = model.prepareMask(l);
    model.synthesizePrepared(mask).dispose();
    mask.dispose();
    const now = tf.memory().numTensors;
    if (frame === 0) first = now;
    assert.ok(now <= first, `frame ${frame}: ${now} tensors, more than the first frame's ${first}`);
  }
  live.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'everything freed once the renderer and the model are disposed');
});

test('on WebGPU a stroke frame uploads the mask alone (counted)', async () => {
  await useBackend('webgpu');
  installGpuCounter();
  for (const name of ['bn_vae', 'bn_more_inst'] as const) {
    const cfg = makeConfig(TOYS[name]);
    const model = SpadeModel.initialise(cfg, 2);
    const live = new LiveRenderer(model.G, model.params.G);
    const labels = randomLabels(cfg, 6);
    // Instance edges are part of the mask: a float32 plane beside the int32 ids.
    const maskUploads = cfg.no_instance ? 1 : 2;
    const maskBytes = labels.ids.length * 4 * maskUploads;
    for (const [frame, s] of strokes(cfg, 17, 5).entries()) {
      paint(labels.ids, labels.w, labels.h, s.x, s.y, s.size, s.v);
      const before = gpuCounts();
      const instances = cfg.no_instance ? undefined : labels.ids.slice();
      const f = live.render({ ...labels, ids: labels.ids.slice(), instances }, { seed: 1 });
      await f.image.data();
      f.image.dispose();
      const c = countsSince(before);
      // The first frame also uploads the weights and the style code.
      if (frame > 0) assert.deepEqual([c.uploads, c.upload_bytes], [maskUploads, maskBytes], `${name} frame ${frame}: ${JSON.stringify(c)}`);
    }
    live.dispose();
    model.dispose();
  }
});

test('1000 frames through every path leave tf.memory().numTensors where it was (cpu)', async () => {
  await useBackend('cpu');
  const before = tf.memory().numTensors;
  const cfg = makeConfig({ label_nc: 3, no_instance: false, ngf: 1, spade_hidden: 2, crop_size: 32, use_vae: true, z_dim: 2 });
  const model = SpadeModel.initialise(cfg, 1);
  const live = { dense: new LiveRenderer(model.G, model.params.G, { method: 'dense' }), gather: new LiveRenderer(model.G, model.params.G, { method: 'gather' }) };
  const labels = randomLabels(cfg, 4);
  const rnd = mulberry32(8);
  let warm = -1;
  for (let frame = 0; frame < 1000; frame++) {
    paint(
      labels.ids,
      labels.w,
      labels.h,
      Math.floor(rnd() * 32),
      Math.floor(rnd() * 32),
      1 + Math.floor(rnd() * 4),
      Math.floor(rnd() * 3),
    );
    const l = { ...labels, ids: labels.ids.slice() };
    const seed = frame % 7 === 0 ? frame : 1;
    let img: tf.Tensor;
    switch (frame % 4) {
      case 0:
        img = model.synthesize(l, { seed });
        break;
      case 1: {
        const mask = model.prepareMask(l, { method: frame % 8 === 1 ? 'gather' : 'dense' });
        img = model.synthesizePrepared(mask, { seed });
        mask.dispose();
        break;
      }
      default:
        img = live[frame % 4 === 2 ? 'dense' : 'gather'].render(l, { seed }).image;
    }
    img.dispose();
    if (frame === 19) warm = tf.memory().numTensors;
  }
  const after = tf.memory().numTensors;
  console.log(`tensors: ${before} before, ${warm} after 20 frames, ${after} after 1000`);
  assert.equal(after, warm, 'no growth from frame 20 to frame 1000');
  live.dense.dispose();
  live.gather.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'everything freed once the renderers and the model are disposed');
});

test('the worker hook renders what synthesize does, follows a model switch, and refuses a bad z', async () => {
  await useBackend('cpu');
  const cfg = makeConfig(TOYS.bn_vae);
  const labels = randomLabels(cfg, 5);
  for (const seed of [1, 2]) {
    const model = SpadeModel.initialise(cfg, seed);
    const z = Float32Array.from({ length: cfg.z_dim }, (_, i) => i / 10 - 0.3);
    assertSame(await values(liveFrame(model, labels, { kind: 'seed', seed: 4 })), await values(model.synthesize(labels, { seed: 4 })), 'seed style');
    paint(labels.ids, labels.w, labels.h, 3, 3, 2, 1);
    const zt = tf.tensor2d(z, [1, cfg.z_dim]);
    const want = await values(model.synthesize(labels, { z: zt }));
    zt.dispose();
    assertSame(await values(liveFrame(model, labels, { kind: 'z', z })), want, 'z style after a stroke');
    assert.throws(() => liveFrame(model, labels, { kind: 'z', z: new Float32Array(3) }), SpadeInputError);
    model.dispose();
  }
});

test('synthesize switches to the gather for wide label sets and still matches the dense forward', async () => {
  await useBackend('cpu');
  const cfg = makeConfig({
    label_nc: 40,
    contain_dontcare_label: true,
    no_instance: false,
    ngf: 2,
    spade_hidden: 8,
    crop_size: 64,
  });
  assert.equal(preferredMethod(cfg), 'gather');
  const model = SpadeModel.initialise(cfg, 6);
  const labels = randomLabels(cfg, 9);
  const got = await values(model.synthesize(labels));
  const want = await values(tf.tidy(() => model.G.forward(new Ctx(model.params.G, false), semanticInput(cfg, labels))));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst < 1e-5, `worst ${worst}`);
  model.dispose();
});
