// The quality metric: mIoU / histogram maths, the segmenter, and `spade eval` through the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ClassHistograms, ConfusionMatrix } from '../../../src/model/eval/metrics';
import { Segmenter, type SegmenterConfig } from '../../../src/model/eval/segmenter';
import { resizeLabels, segmentationLoss, SegmenterTrainer } from '../../../src/model/eval/segmenter_train';
import { defaultSegmenter, evaluateFiles } from '../../../src/cli/eval/evaluate';
import { selectBackend } from '../../../src/cli/backend';
import { throwsInput } from '../../helpers/throws_input';
import { rgbPng } from '../../helpers/dataset_builder';
import { assertBadInput, runSpade } from '../../helpers/cli';
import { ROOT, TEST_DIR } from '../../helpers/paths';

const spade = (...args: string[]) => runSpade(args, 300_000);
const STAND_IN = path.join(ROOT, 'media', 'models', 'tiny-untrained.safetensors');
tf.env().set('PROD', true);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-eval-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const close = (a: number | null, b: number, msg?: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} vs ${b}`);

test('confusion matrix: IoU, mean IoU and pixel accuracy by hand, dontcare ignored', () => {
  const cm = new ConfusionMatrix(4);
  // gt 255 and 7 are dontcare / beyond the classes; class 3 is absent from gt and prediction.
  cm.add([0, 0, 1, 1, 2, 255, 7], [0, 1, 1, 1, 0, 2, 3]);
  // rows gt, cols pred: (0,0)=1 (0,1)=1 (1,1)=2 (2,0)=1
  close(cm.iou(0), 1 / 3, 'class 0: TP 1 / (gt 2 + pred 2 - 1)');
  close(cm.iou(1), 2 / 3, 'class 1: TP 2 / (gt 2 + pred 3 - 2)');
  close(cm.iou(2), 0, 'class 2: never predicted');
  assert.equal(cm.iou(3), null, 'absent from both: undefined');
  close(cm.meanIoU(), (1 / 3 + 2 / 3 + 0) / 3, 'mean over the 3 defined classes');
  close(cm.pixelAccuracy(), 3 / 5);
  // A second image accumulates into the same matrix (the set-level IoU of the paper).
  cm.add([3, 3], [3, 0]);
  close(cm.iou(3), 1 / 2);
  close(cm.iou(0), 1 / 4, 'class 0 gains a false positive');
  close(cm.meanIoU(), (1 / 4 + 2 / 3 + 0 + 1 / 2) / 4);
  close(cm.pixelAccuracy(), 4 / 7);
});

test('confusion matrix: a class only predicted counts with IoU 0; nothing counted gives null', () => {
  const cm = new ConfusionMatrix(3);
  assert.equal(cm.meanIoU(), null);
  assert.equal(cm.pixelAccuracy(), null);
  cm.add([0, 0, 0, 0], [0, 0, 0, 2]);
  close(cm.iou(0), 3 / 4);
  close(cm.iou(2), 0);
  assert.equal(cm.iou(1), null);
  close(cm.meanIoU(), 3 / 8);
  assert.throws(() => cm.add([0], [0, 1]), /1 labels but 2 predictions/);
});

test('colour histograms: Hellinger distance by hand', () => {
  const real = new ClassHistograms(2);
  const synth = new ClassHistograms(2);
  // class 0: real half black, half white; synth all black -> BC = sqrt(0.5 * 1) = 0.7071.
  real.add([0, 0, 1], [0, 0, 0, 255, 255, 255, 10, 10, 10]);
  synth.add([0, 0, 255], [0, 0, 0, 31, 31, 31, 200, 200, 200]); // 31 shares black's bin; 255 is dontcare
  close(real.hellinger(synth, 0), Math.sqrt(1 - Math.SQRT1_2));
  close(real.hellinger(real, 0), 0);
  assert.equal(real.hellinger(synth, 1), null, 'no synthesized pixels of class 1');
  const other = new ClassHistograms(2);
  other.add([1], [255, 0, 0]);
  close(real.hellinger(other, 1), 1, 'disjoint colours');
});

const TINY: SegmenterConfig = { input_size: 16, widths: [4, 6, 8], classes: ['a', 'b', 'c'], label_set: 'test' };

test('segmenter: forward shapes, argmax at the label size, float16 round trip', async () => {
  await tf.setBackend('cpu');
  const seg = Segmenter.initialise(TINY, 3);
  const img = tf.randomUniform([1, 10, 12, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
  const z = tf.tidy(() => seg.logits(seg.resizeInput(img)));
  assert.deepEqual(z.shape, [1, 16, 16, 3]);
  const ids = await seg.predict(img, 10, 12);
  assert.equal(ids.length, 120);
  assert.ok(ids.every((c) => c >= 0 && c < 3));
  const file = path.join(tmp, 'tiny-seg.safetensors');
  fs.writeFileSync(file, await seg.toSafetensors({ note: 'test' }));
  const back = Segmenter.fromSafetensors(new Uint8Array(fs.readFileSync(file)), file);
  assert.deepEqual(back.config, TINY);
  const z2 = tf.tidy(() => back.logits(back.resizeInput(img)));
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(z, z2))).dataSync()[0]);
  const scale = tf.tidy(() => tf.max(tf.abs(z)).dataSync()[0]);
  assert.ok(diff <= 2e-3 * Math.max(1, scale), `float16 weights change logits by ${diff} (scale ${scale})`);
  for (const t of [img, z, z2]) t.dispose();
  seg.dispose();
  back.dispose();
});

test('segmenter file: wrong format and mismatched weights are one-line errors naming the file', async () => {
  await tf.setBackend('cpu');
  const seg = Segmenter.initialise(TINY, 3);
  const bytes = await seg.toSafetensors();
  seg.dispose();
  const text = new TextDecoder('latin1').decode(bytes);
  const notSeg = new Uint8Array(bytes);
  assert.ok(text.indexOf('spade-studio/segmenter/1') > 0);
  notSeg.set(new TextEncoder().encode('spade-studio/segmentex/1'), text.indexOf('spade-studio/segmenter/1'));
  throwsInput(() => Segmenter.fromSafetensors(notSeg, 'x.safetensors'), /^x\.safetensors: not a segmenter file/);
  const wider = new Uint8Array(bytes);
  const at = text.indexOf('[4,6,8]');
  assert.ok(at > 0 && text.indexOf('[4,6,8]', at + 1) < 0, 'the widths appear once in the header');
  wider.set(new TextEncoder().encode('[4,6,9]'), at);
  throwsInput(() => Segmenter.fromSafetensors(wider, 'y.safetensors'), /^y\.safetensors: checkpoint does not match/);
  throwsInput(() => Segmenter.fromSafetensors(new Uint8Array(4), 'z.safetensors'), /^z\.safetensors: not a safetensors file/);
});

test('segmentation loss: ln(k) for uniform scores, dontcare weighs nothing, class weights apply', () => {
  const logits = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
  const l = segmentationLoss(logits, Int32Array.from([0, 1, 255, 3]), Float32Array.from([1, 1, 1, 1]));
  assert.ok(Math.abs(l.dataSync()[0] - Math.log(4)) < 1e-6);
  // Pixel 0 scores class 0 at +2: -log softmax = log(e^2 + 3) - 2; pixel 1 stays at ln 4.
  const z = tf.tensor4d([2, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0], [1, 2, 2, 4]);
  const w = Float32Array.from([3, 1, 1, 1]);
  const got = segmentationLoss(z, Int32Array.from([0, 1, 255, 3]), w).dataSync()[0];
  const want = (3 * (Math.log(Math.exp(2) + 3) - 2) + Math.log(4) + Math.log(4)) / 5;
  assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
  for (const t of [logits, l, z]) t.dispose();
});

test('label resizing samples pixel centres; a few Adam steps fit one batch', async () => {
  await tf.setBackend('cpu');
  // 4x4 -> 2x2 takes (1,1), (1,3), (3,1), (3,3).
  assert.deepEqual([...resizeLabels(Array.from({ length: 16 }, (_, i) => i), 4, 4, 2, 2)], [5, 7, 13, 15]);
  const seg = Segmenter.initialise(TINY, 1);
  const trainer = new SegmenterTrainer(seg);
  // Left half dark = class 0, right half bright = class 2.
  const labels = Int32Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? 0 : 2));
  const x = tf.tensor4d(Float32Array.from({ length: 768 }, (_, i) => ((i / 3) % 16 < 8 ? -0.8 : 0.8)), [1, 16, 16, 3]);
  const w = Float32Array.from([1, 1, 1]);
  const first = await trainer.step(x, labels, w, 0.01);
  let last = first;
  for (let i = 0; i < 30; i++) last = await trainer.step(x, labels, w, 0.01);
  assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  const ids = await seg.predict(x, 16, 16);
  assert.ok(ids.filter((c, i) => c === labels[i]).length >= 240, 'fits the batch');
  x.dispose();
  trainer.dispose();
  seg.dispose();
});

test('the bundled segmenter reads, with the landscapes classes', () => {
  const file = defaultSegmenter();
  const seg = Segmenter.fromSafetensors(new Uint8Array(fs.readFileSync(file)), file);
  assert.equal(seg.config.label_set, 'landscapes');
  assert.equal(seg.numClasses, 11);
  assert.ok(fs.statSync(file).size < 1024 * 1024, 'small enough to track in git');
  seg.dispose();
});

test('evaluateFiles scores label maps without photos (the samples): only the synthesized side', async () => {
  await selectBackend('wasm');
  const samples = ['landscape.label.png', 'lake.label.png'].map((f) => ({ label: path.join(ROOT, 'media', 'samples', f) }));
  const r = await evaluateFiles(samples, { checkpoint: STAND_IN, seed: 1 });
  assert.equal(r.samples, 2);
  assert.equal(r.miou_real, null);
  assert.equal(r.pixel_acc_real, null);
  assert.ok(r.miou_synth !== null && r.miou_synth >= 0 && r.miou_synth <= 1);
  assert.ok(r.pixel_acc_synth !== null && r.pixel_acc_synth >= 0 && r.pixel_acc_synth <= 1);
  for (const s of Object.values(r.per_class)) {
    assert.equal(s.iou_real, null);
    assert.equal(s.hist_dist, null);
  }
  assert.equal(r.mean_hist_dist, null);
  assert.deepEqual(r.sharpness.map((s) => [s.scale, s.energy_real, s.ratio]), [[1, null, null], [2, null, null]]);
  for (const s of r.sharpness) assert.ok(s.energy_synth !== null && s.energy_synth > 0, `synthesized texture energy ${s.energy_synth}`);
  assert.equal(r.checkpoint, STAND_IN);
});

const data = path.join(tmp, 'data');
/** Three 128x128 landscape pairs, made once by `spade dataset` and shared by the CLI tests. */
function tinyData(): string {
  if (!fs.existsSync(data)) {
    const made = spade('dataset', 'landscapes', '--count', '3', '--size', '128', '--seed', '77', '--out', data);
    assert.equal(made.code, 0, made.stderr);
  }
  return data;
}

test('spade eval end to end on a tiny dataset: exit 0, the JSON schema, numbers in range', () => {
  tinyData();
  const out = path.join(tmp, 'eval.json');
  const r = spade('eval', '--checkpoint', STAND_IN, '--data', data, '-o', out, '--seed', '3', '--backend', 'wasm');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mIoU real .*synth/);
  const j = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>;
  for (const k of ['miou_real', 'miou_synth', 'pixel_acc_real', 'pixel_acc_synth']) {
    const v = j[k];
    assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${k} = ${v}`);
  }
  assert.equal(j.samples, 3);
  assert.equal(j.seed, 3);
  const per = j.per_class as Record<string, { iou_real: number | null; iou_synth: number | null; hist_dist: number | null }>;
  const names = Object.keys(per);
  assert.ok(names.length > 0);
  for (const name of names) {
    assert.ok(['sky', 'cloud', 'mountain', 'snow', 'rock', 'water', 'grass', 'flower', 'tree', 'dirt', 'sand'].includes(name), name);
    for (const v of Object.values(per[name])) assert.ok(v === null || (v >= 0 && v <= 1), `${name}: ${JSON.stringify(per[name])}`);
  }
  assert.ok(names.some((n) => per[n].hist_dist !== null), 'classes of the labels have a colour distance');
  const dists = names.flatMap((n) => (per[n].hist_dist === null ? [] : [per[n].hist_dist as number]));
  assert.ok(Math.abs((j.mean_hist_dist as number) - dists.reduce((a, b) => a + b, 0) / dists.length) < 1e-12, 'mean colour distance');
  const sharp = j.sharpness as Array<{ scale: number; energy_real: number; energy_synth: number; ratio: number }>;
  assert.deepEqual(sharp.map((s) => s.scale), [1, 2]);
  for (const s of sharp) {
    assert.ok(s.energy_real > 0 && s.energy_synth > 0, JSON.stringify(s));
    assert.ok(Math.abs(s.ratio - s.energy_synth / s.energy_real) < 1e-12, JSON.stringify(s));
  }
  assert.match(r.stdout, /sharpness at the pixel scale: synth\/real [\d.]+/);
  assert.match(r.stdout, /sharpness at the 2-pixel scale: synth\/real [\d.]+/);
  // The real images are what the segmenter was trained on; the untrained stand-in paints texture.
  assert.ok((j.miou_real as number) > (j.miou_synth as number), `real ${j.miou_real} vs synth ${j.miou_synth}`);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
});

test('spade eval: bad input exits 2 naming the file', () => {
  tinyData();
  const out = path.join(tmp, 'bad.json');
  assertBadInput(spade('eval', '--checkpoint', STAND_IN, '--data', path.join(tmp, 'nope'), '-o', out), path.join(tmp, 'nope'), /not found/);
  const badSeg = path.join(tmp, 'bad-seg.safetensors');
  fs.writeFileSync(badSeg, 'not a segmenter');
  assertBadInput(spade('eval', '--checkpoint', STAND_IN, '--data', data, '--segmenter', badSeg, '-o', out), badSeg, /safetensors/);
  // A photo whose size differs from its label map's, and a truncated photo.
  const odd = path.join(tmp, 'odd');
  fs.cpSync(data, odd, { recursive: true });
  const [first, second] = fs.readdirSync(path.join(odd, 'images')).sort();
  const wrongSize = path.join(odd, 'images', first);
  fs.writeFileSync(wrongSize, rgbPng(32, 32, () => [10, 20, 30]));
  assertBadInput(spade('eval', '--checkpoint', STAND_IN, '--data', odd, '-o', out), wrongSize, /image is 32x32 but its label map .* is 128x128/);
  fs.copyFileSync(path.join(data, 'images', first), wrongSize);
  const truncated = path.join(odd, 'images', second);
  fs.writeFileSync(truncated, fs.readFileSync(path.join(data, 'images', second)).subarray(0, 60));
  assertBadInput(spade('eval', '--checkpoint', STAND_IN, '--data', odd, '-o', out), truncated, /truncated|corrupt|PNG/i);
  assertBadInput(spade('eval', '--checkpoint', STAND_IN, '--data', data, '-o', path.join(tmp, 'eval.txt')), 'eval.txt', /must end in \.json/);
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('spade eval refuses a model whose label set the segmenter does not know', () => {
  tinyData();
  const r = spade('eval', '--checkpoint', path.join(TEST_DIR, 'fixtures', 'heldout', 'G_legacy.pth'), '--opt', path.join(TEST_DIR, 'fixtures', 'heldout', 'opt.txt'), '--data', data, '-o', path.join(tmp, 'x.json'));
  assertBadInput(r, 'G_legacy.pth', /segmenter/);
});
