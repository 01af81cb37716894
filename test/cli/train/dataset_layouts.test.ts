// NVlabs' dataset layouts read where they are: tiny synthetic coco, ade20k, cityscapes and
// custom-mode trees in temp folders, their label sets, their per-file problems, and a
// `spade train` run on one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanDataset } from '../../../src/cli/train/dataset';
import { DatasetLoader } from '../../../src/cli/train/loader';
import { detectLayout, layoutFromFlags, type DatasetLayoutChoice } from '../../../src/cli/train/dataset_layouts';
import { makeConfig } from '../../../src/model/config';
import { grayPng, jpegBytes, put, rgbPng, tempDir } from '../../helpers/dataset_builder';
import { runSpade } from '../../helpers/cli';
import { throwsInput } from '../../helpers/throws_input';

const W = 32;
const photo = () => rgbPng(W, W, (x, y) => [x * 8, y * 8, 100]);

function scan(layout: DatasetLayoutChoice, extra: Parameters<typeof scanDataset>[1] = {}) {
  return scanDataset(layout.source.root, { source: layout.source, labelSet: layout.labelSet, ...extra });
}

function cocoTree(root: string): void {
  for (const stem of ['000000000009', '000000000025']) {
    put(root, `train_img/${stem}.jpg`, jpegBytes(W, W, (x, y) => [x * 8, y * 8, 50]));
    put(root, `train_label/${stem}.png`, grayPng(W, W, (x) => (x < 4 ? 255 : x < 8 ? 181 : 3)));
    put(root, `train_inst/${stem}.png`, grayPng(W, W, (x) => (x < 8 ? 1 : 2)));
  }
  // The validation split sits beside it and is not training data.
  put(root, 'val_img/000000000139.jpg', jpegBytes(W, W, () => [0, 0, 0]));
  put(root, 'val_label/000000000139.png', grayPng(W, W, () => 1));
}

test('coco: train_img/train_label/train_inst pair by stem, with COCO-Stuff\'s 182 classes and 255 = dontcare', (t) => {
  const root = tempDir(t);
  cocoTree(root);
  const layout = detectLayout(root);
  assert.equal(layout.mode, 'coco');
  const r = scan(layout);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pairs.map((p) => p.stem), ['000000000009', '000000000025']);
  assert.equal(r.pairs[0].image, path.join(root, 'train_img', '000000000009.jpg'));
  assert.equal(r.pairs[0].instance, path.join(root, 'train_inst', '000000000009.png'));
  assert.equal(r.label_nc, 182);
  assert.equal(r.contain_dontcare_label, true);
  assert.ok(r.dontcarePixels > 0);
  assert.equal(r.hasInstances, true);
  assert.equal(r.labelSet.name, layout.labelSet!.name);

  put(root, 'train_label/000000000030.png', grayPng(W, W, () => 1));
  put(root, 'train_label/000000000025.png', grayPng(W, W, () => 200));
  const bad = scan(detectLayout(root));
  const byFile = Object.fromEntries(bad.problems.map((p) => [path.relative(root, p.file), p.message]));
  assert.match(byFile['train_label/000000000030.png'], /no matching train_img\/000000000030\.jpg/);
  assert.match(byFile['train_label/000000000025.png'], /200/);
});

test('ade20k: ADE_train_* in images/training and annotations/training; file 0 becomes dontcare and k class k-1, as NVlabs shifts them', (t) => {
  const root = tempDir(t);
  const A = 32; // the smallest crop a model takes
  const ids = (x: number) => (x < 8 ? 0 : x < 16 ? 1 : 150);
  for (const stem of ['ADE_train_00000001', 'ADE_train_00000002']) {
    put(root, `images/training/${stem}.jpg`, jpegBytes(A, A, (x) => [x * 8, 0, 0]));
    put(root, `annotations/training/${stem}.png`, grayPng(A, A, ids));
  }
  put(root, 'images/validation/ADE_val_00000001.jpg', jpegBytes(W, W, () => [0, 0, 0]));
  put(root, 'images/training/notes.jpg', jpegBytes(W, W, () => [0, 0, 0]));
  const layout = detectLayout(root);
  assert.equal(layout.mode, 'ade20k');
  const r = scan(layout);
  assert.deepEqual(r.problems, []);
  assert.equal(r.pairs.length, 2);
  assert.equal(r.label_nc, 150);
  assert.equal(r.contain_dontcare_label, true);
  assert.equal(r.dontcarePixels, 2 * 8 * A, 'file id 0 is dontcare');
  assert.equal(r.hasInstances, false);
  // The loader gives the model NVlabs' ids: 0 -> label_nc (150), 1 -> 0, 150 -> 149.
  const cfg = makeConfig({ label_nc: 150, contain_dontcare_label: true, no_instance: true, crop_size: A, ngf: 4 });
  const batch = new DatasetLoader(r, cfg, { seed: 1, preprocess_mode: 'none', load_size: A, no_flip: true }).next(1);
  assert.deepEqual([batch.labels.ids[0], batch.labels.ids[10], batch.labels.ids[A - 1]], [150, 0, 149]);

  put(root, 'annotations/training/ADE_train_00000002.png', grayPng(A, A, () => 151));
  const bad = scan(detectLayout(root));
  assert.equal(bad.problems.length, 1);
  assert.equal(bad.problems[0].file, path.join(root, 'annotations', 'training', 'ADE_train_00000002.png'));
});

test('cityscapes: leftImg8bit/train/<city> and gtFine/train/<city> pair by name before the suffix; labelIds, 16-bit instanceIds, 35 classes', (t) => {
  const root = tempDir(t);
  const frames = [['aachen', 'aachen_000000_000019'], ['bochum', 'bochum_000000_000313']];
  for (const [city, stem] of frames) {
    put(root, `leftImg8bit/train/${city}/${stem}_leftImg8bit.png`, photo());
    put(root, `gtFine/train/${city}/${stem}_gtFine_labelIds.png`, grayPng(W, W, (x) => (x < 8 ? 7 : 26)));
    put(root, `gtFine/train/${city}/${stem}_gtFine_instanceIds.png`, grayPng(W, W, (x) => (x < 8 ? 7 : 26001), 16));
    put(root, `gtFine/train/${city}/${stem}_gtFine_color.png`, photo());
    put(root, `gtFine/train/${city}/${stem}_gtFine_polygons.json`, '{}');
  }
  const layout = detectLayout(root);
  assert.equal(layout.mode, 'cityscapes');
  const r = scan(layout);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pairs.map((p) => p.stem), ['aachen_000000_000019', 'bochum_000000_000313']);
  assert.equal(r.pairs[1].label, path.join(root, 'gtFine/train/bochum/bochum_000000_000313_gtFine_labelIds.png'));
  assert.equal(r.pairs[1].instance, path.join(root, 'gtFine/train/bochum/bochum_000000_000313_gtFine_instanceIds.png'));
  assert.equal(r.label_nc, 35);
  assert.equal(r.contain_dontcare_label, false);
  assert.equal(r.hasInstances, true);

  fs.rmSync(path.join(root, 'gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png'));
  const bad = scan(detectLayout(root));
  const byFile = Object.fromEntries(bad.problems.map((p) => [path.relative(root, p.file), p.message]));
  assert.deepEqual(Object.keys(byFile).sort(), ['gtFine/train/aachen/aachen_000000_000019_gtFine_instanceIds.png', 'leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png']);
  assert.match(byFile['leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png'], /no matching gtFine\/train\/<city>\/aachen_000000_000019_gtFine_labelIds\.png/);
  assert.match(byFile['gtFine/train/aachen/aachen_000000_000019_gtFine_instanceIds.png'], /without a matching label map/);
});

test('custom mode: --label_dir/--image_dir/--instance_dir anywhere, paired by stem; the flags are checked', (t) => {
  const root = tempDir(t);
  for (const stem of ['a', 'b']) {
    put(root, `anno/${stem}.png`, grayPng(W, W, (x) => x % 3));
    put(root, `pics/${stem}.png`, photo());
    put(root, `inst/${stem}.png`, grayPng(W, W, () => 1));
  }
  const dirs = { label_dir: path.join(root, 'anno'), image_dir: path.join(root, 'pics'), instance_dir: path.join(root, 'inst') };
  const layout = layoutFromFlags(dirs);
  assert.equal(layout.mode, 'custom');
  const r = scan(layout);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pairs.map((p) => [p.stem, p.instance]), [['a', path.join(root, 'inst/a.png')], ['b', path.join(root, 'inst/b.png')]]);
  assert.equal(r.label_nc, 3);
  assert.deepEqual(layout.nvlabs, { dataset_mode: 'custom', ...dirs });
  throwsInput(() => layoutFromFlags({ ...dirs, data: root }), /either --data or .*--label_dir/);
  throwsInput(() => layoutFromFlags({ label_dir: dirs.label_dir }), /needs both --label_dir and --image_dir/);
  throwsInput(() => layoutFromFlags({}), /missing --data/);
  // Our own layout still wins where images/ and labels/ exist.
  put(root, 'images/a.png', photo());
  put(root, 'labels/a.png', grayPng(W, W, () => 1));
  assert.equal(detectLayout(root).mode, 'folders');
});

test('spade train runs on NVlabs\' coco tree as it is (the label set from the layout) and on custom-mode folders', (t) => {
  const root = tempDir(t);
  cocoTree(root);
  const tiny = ['--ngf', '2', '--crop_size', '32', '--spade_hidden', '4', '--ndf', '4', '--n_layers_D', '1', '--num_D', '1', '--steps', '1', '--batch', '2', '--backend', 'cpu'];
  const out = path.join(root, 'run');
  const r = runSpade(['train', '--data', root, '--out', out, ...tiny], 300_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /NVlabs' coco layout/);
  assert.match(r.stdout, /2 pairs, .*label_nc 182, contain_dontcare_label true.*instances yes/);
  const state = JSON.parse(readMetadata(path.join(out, 'latest.safetensors')).train_state) as { dataset: Record<string, string> };
  assert.deepEqual(state.dataset, { dataset_mode: 'coco', dataroot: root });
  const c = runSpade(['train', '--check', '--label_dir', path.join(root, 'train_label'), '--image_dir', path.join(root, 'train_img')], 120_000);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /NVlabs' custom layout/);
});

/** The safetensors header's __metadata__ (JSON), read by hand. */
function readMetadata(file: string): Record<string, string> {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return (JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as { __metadata__: Record<string, string> }).__metadata__;
}
