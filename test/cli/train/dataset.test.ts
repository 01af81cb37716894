import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetError, formatDatasetProblems, formatDatasetSummary, scanDataset, type DatasetReport, type ProblemKind } from '../../../src/cli/train/dataset';
import { naturalCompare } from '../../../src/cli/train/dataset_files';
import { DatasetLoader, type LoaderOptions } from '../../../src/cli/train/loader';
import { makeConfig, type SpadeConfig } from '../../../src/model/config';
import type { PreprocessMode } from '../../../src/model/data/augment';
import { filePalette, genericLabelSet, COCO_STUFF } from '../../../src/model/io/label_sets';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { SpadeInputError } from '../../../src/model/errors';
import { grayPng, jpegBytes, put, rgbPng, tempDir, writePairs } from '../../helpers/dataset_builder';
import { throwsInput } from '../../helpers/throws_input';

const cfgFor = (r: DatasetReport, extra: Partial<SpadeConfig> = {}) =>
  makeConfig({
    label_nc: r.label_nc,
    contain_dontcare_label: r.contain_dontcare_label,
    no_instance: true,
    crop_size: 32,
    ngf: 4,
    ...extra,
  });
const loaderOpts = (o: Partial<LoaderOptions> = {}): LoaderOptions => ({ seed: 1, preprocess_mode: 'crop', load_size: 32, no_flip: false, ...o });

function kinds(r: DatasetReport): Array<[ProblemKind, string]> {
  return r.problems.map((p) => [p.kind, path.relative(r.root, p.file)]);
}

test('pairs by stem in natural order, infers label_nc, notes it, and finds no problem in a clean dataset', (t) => {
  const root = tempDir(t);
  writePairs(root, { img10: { id: () => 6 }, img2: {}, IMG1: {} });
  put(root, 'images/.DS_Store', 'junk');
  put(root, 'labels/README.txt', 'notes');
  let progress = 0;
  const r = scanDataset(root, { onProgress: (done, total) => (progress = done / total) });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pairs.map((p) => p.stem), ['IMG1', 'img2', 'img10']);
  assert.deepEqual(r.pairs[0], { stem: 'IMG1', image: path.join(root, 'images/IMG1.png'), label: path.join(root, 'labels/IMG1.png'), width: 16, height: 16 });
  assert.equal(progress, 1);
  assert.equal(r.label_nc, 7);
  assert.equal(r.label_nc_inferred, true);
  assert.equal(r.contain_dontcare_label, false);
  assert.equal(r.dontcarePixels, 0);
  assert.equal(r.hasInstances, false);
  assert.deepEqual(r.sizes, [{ width: 16, height: 16, pairs: 3 }]);
  assert.ok(r.notes.some((n) => /label_nc 7 inferred from the largest class id 6 \(2 of those ids never occur\)/.test(n)), r.notes.join('|'));
  assert.ok(r.notes.some((n) => n.includes('README.txt')));
  assert.match(formatDatasetSummary(r), /^3 pairs, sizes 16x16, label_nc 7 \(inferred\), contain_dontcare_label false \(inferred\)/);
  assert.match(formatDatasetProblems(r), /no problems \(3 pairs\)/);
  assert.ok(naturalCompare('a2', 'a10') < 0 && naturalCompare('a010', 'a9') > 0 && naturalCompare('B', 'a') > 0);
});

test('every problem kind lands in one list, each naming its file', (t) => {
  const root = tempDir(t);
  const outside = tempDir(t);
  writePairs(root, { good: { inst: () => 1 }, good2: { inst: (x) => (x < 8 ? 1 : 2) } });
  put(root, 'images/orphan.png', rgbPng(16, 16, () => [1, 2, 3]));
  put(root, 'labels/lonely.png', grayPng(16, 16, () => 1));
  put(root, 'instances/ghost.png', grayPng(16, 16, () => 1));
  writePairs(root, { noinst: {} });
  // 0-byte photo; truncated photo; garbage label map
  put(root, 'images/empty.png', new Uint8Array(0));
  put(root, 'labels/empty.png', grayPng(16, 16, () => 1));
  put(root, 'instances/empty.png', grayPng(16, 16, () => 1));
  const photo = rgbPng(16, 16, (x) => [x, x, x]);
  put(root, 'images/cut.png', photo.subarray(0, photo.length - 30));
  put(root, 'labels/cut.png', grayPng(16, 16, () => 1));
  put(root, 'instances/cut.png', grayPng(16, 16, () => 1));
  put(root, 'images/garbage.png', rgbPng(16, 16, () => [0, 0, 0]));
  put(root, 'labels/garbage.png', 'this is not a PNG');
  put(root, 'instances/garbage.png', grayPng(16, 16, () => 1));
  // a symlink that leaves the dataset folder
  put(outside, 'secret.png', rgbPng(16, 16, () => [9, 9, 9]));
  fs.symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'images/escape.png'));
  put(root, 'labels/escape.png', grayPng(16, 16, () => 1));
  put(root, 'instances/escape.png', grayPng(16, 16, () => 1));
  // ids beyond label_nc 10
  writePairs(root, { high: { id: (x) => (x === 0 ? 40 : x === 1 ? 12 : 3), inst: () => 1 } });
  // photo and instance map of the wrong size
  writePairs(root, { mism: { inst: () => 1 } });
  put(root, 'images/mism.png', rgbPng(20, 16, () => [5, 5, 5]));
  put(root, 'instances/mism.png', grayPng(16, 12, () => 1));
  // a second size, two photos for one stem, an unsupported format, a picture over the pixel limit
  writePairs(root, { big: { w: 24, h: 24, inst: () => 1 }, dup: { inst: () => 1 }, huge: { w: 40, h: 40, inst: () => 1 } });
  put(root, 'images/dup.jpg', jpegBytes(16, 16, () => [1, 1, 1]));
  put(root, 'images/scan.bmp', 'BM');

  const r = scanDataset(root, { label_nc: 10, maxPixels: 1000 });
  const got = kinds(r);
  const want: Array<[ProblemKind, string]> = [
    ['unreadable', 'images/cut.png'],
    ['duplicate', 'images/dup.png'],
    ['symlink_outside', 'images/escape.png'],
    ['unsupported', 'images/scan.bmp'],
    ['unpaired', 'labels/lonely.png'],
    ['unpaired', 'labels/noinst.png'],
    ['unpaired', 'images/orphan.png'],
    ['unpaired', 'instances/ghost.png'],
    ['empty_file', 'images/empty.png'],
    ['unreadable', 'labels/garbage.png'],
    ['label_ids', 'labels/high.png'],
    ['unreadable', 'labels/huge.png'],
    ['unreadable', 'images/huge.png'],
    ['unreadable', 'instances/huge.png'],
    ['size_mismatch', 'images/mism.png'],
    ['size_mismatch', 'instances/mism.png'],
    ['mixed_sizes', 'labels'],
  ];
  const key = (k: [string, string]) => k.join(' ');
  assert.deepEqual(got.map(key).sort(), want.map(key).sort(), formatDatasetProblems(r));
  const msg = (file: string) => r.problems.find((p) => p.file === path.join(root, file))?.message ?? '';
  assert.match(msg('labels/high.png'), /label ids outside 0\.\.9 \(label_nc 10\): 12 \(16 px\), 40 \(16 px\)/);
  assert.match(msg('images/escape.png'), /outside the dataset folder; refusing/);
  assert.match(msg('images/cut.png'), /truncated PNG/);
  assert.match(msg('images/empty.png'), /0 bytes/);
  assert.match(msg('images/mism.png'), /photo is 20x16 but .*labels\/mism.png is 16x16/);
  assert.match(msg('labels/huge.png'), /40x40 \(1600 pixels\), more than the limit of 1000/);
  assert.match(msg('labels/noinst.png'), /no matching instances\/noinst.png/);
  assert.match(msg('images/orphan.png'), /no matching labels\/orphan.png/);
  assert.match(msg('labels/lonely.png'), /no matching images\/lonely.png or .jpg/);
  assert.match(msg('labels'), /mixed sizes: 16x16 \(2 pairs, e\.g\. good.png\), 24x24 \(1 pair, e\.g\. big.png\); allowed only with a preprocess_mode that resizes/);
  // only the clean pairs are kept, instances included
  assert.deepEqual(r.pairs.map((p) => p.stem), ['big', 'good', 'good2']);
  assert.equal(r.pairs[1].instance, path.join(root, 'instances/good.png'));
  const text = formatDatasetProblems(r);
  assert.equal(text.split('\n').length, want.length + 1);
  for (const [, file] of want) assert.ok(text.includes(path.join(root, file)), file);
  const err = datasetError(r);
  assert.ok(err instanceof SpadeInputError && !err.message.includes('\n'));
  assert.match(err.message, /and 16 more problems/);
});

test('missing folders, a missing dataset and an empty one are problems, not crashes', (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'images'));
  assert.deepEqual(kinds(scanDataset(root)), [['missing_folder', 'labels']]);
  fs.mkdirSync(path.join(root, 'labels'));
  assert.deepEqual(kinds(scanDataset(root)), [['empty_dataset', '']]);
  assert.deepEqual(kinds(scanDataset(root, { no_instance: false })), [['no_instances', 'instances'], ['empty_dataset', '']]);
  const gone = scanDataset(path.join(root, 'nope'));
  assert.deepEqual(gone.problems.map((p) => [p.kind, p.message]), [['missing_folder', 'dataset folder not found']]);
  const outside = tempDir(t);
  fs.mkdirSync(path.join(outside, 'labels'));
  fs.rmdirSync(path.join(root, 'labels'));
  fs.symlinkSync(path.join(outside, 'labels'), path.join(root, 'labels'));
  assert.deepEqual(kinds(scanDataset(root)), [['symlink_outside', 'labels']]);
});

test('symlinks that stay inside the dataset are followed', (t) => {
  const root = tempDir(t);
  writePairs(root, { a: {} });
  put(root, 'shared/b.png', rgbPng(16, 16, () => [3, 3, 3]));
  fs.symlinkSync(path.join(root, 'shared/b.png'), path.join(root, 'images/b.png'));
  put(root, 'labels/b.png', grayPng(16, 16, () => 2));
  const r = scanDataset(root);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.pairs.map((p) => p.stem), ['a', 'b']);
});

test('dontcare: 255 pixels are counted and set contain_dontcare_label; refusing them says why', (t) => {
  const root = tempDir(t);
  writePairs(root, { a: { id: (x) => (x < 4 ? 255 : x % 3) }, b: { id: (x) => (x === 0 ? 5 : 1) } });
  const r = scanDataset(root);
  assert.deepEqual(r.problems, []);
  assert.equal(r.label_nc, 6);
  assert.equal(r.contain_dontcare_label, true);
  assert.equal(r.contain_dontcare_inferred, true);
  assert.equal(r.dontcarePixels, 64);
  assert.equal(r.totalPixels, 512);
  assert.ok(r.notes.some((n) => /contain_dontcare_label inferred: 64 dontcare pixels/.test(n)));
  const strict = scanDataset(root, { contain_dontcare_label: false });
  assert.deepEqual(kinds(strict), [['label_ids', 'labels/a.png']]);
  assert.match(strict.problems[0].message, /255 \(64 px\); 255 is the dontcare id: set contain_dontcare_label/);
  const given = scanDataset(root, { label_nc: 4 });
  assert.equal(given.label_nc_inferred, false);
  assert.deepEqual(kinds(given), [['label_ids', 'labels/b.png']]);
  assert.match(given.problems[0].message, /outside 0\.\.3 \(or dontcare\) \(label_nc 4\): 5 \(16 px\)/);
  // only dontcare: label_nc cannot be inferred
  const only = tempDir(t);
  writePairs(only, { a: { id: () => 255 } });
  assert.deepEqual(kinds(scanDataset(only)), [['label_nc', '']]);
});

test('with a preprocess_mode the scan checks each size: mixed sizes are fine when it resizes', (t) => {
  const root = tempDir(t);
  writePairs(root, { a: { w: 16, h: 16 }, b: { w: 40, h: 24 } });
  const pp = { preprocess_mode: 'resize_and_crop', load_size: 20, crop_size: 16, aspect_ratio: 1, no_flip: false } as const;
  const ok = scanDataset(root, { preprocess: pp });
  assert.deepEqual(ok.problems, []);
  assert.ok(ok.notes.some((n) => /mixed sizes .*resize_and_crop/.test(n)));
  const crop = scanDataset(root, { preprocess: { ...pp, preprocess_mode: 'crop', crop_size: 20 } });
  assert.deepEqual(kinds(crop), [['preprocess', 'labels/a.png']]);
  assert.match(crop.problems[0].message, /16x16 is smaller than the 20x20 crop/);
  assert.deepEqual(crop.pairs.map((p) => p.stem), ['b']);
});

test('photos: JPEG, grayscale and RGBA PNGs are read as RGB; RGB label maps go through the label set palette', (t) => {
  const root = tempDir(t);
  const set = genericLabelSet(5, false);
  const pal = filePalette(set);
  put(root, 'images/j.jpg', jpegBytes(32, 32, () => [200, 100, 50]));
  put(root, 'images/g.png', grayPng(32, 32, () => 77));
  put(root, 'images/a.png', rgbPng(32, 32, () => [10, 20, 30], true));
  for (const s of ['j', 'g', 'a']) {
    put(root, `labels/${s}.png`, encodeLabelMap({ width: 32, height: 32, ids: Int32Array.from({ length: 1024 }, (_, i) => i % 5), encoding: { kind: 'rgb', palette: pal } }));
  }
  const r = scanDataset(root, { labelSet: set });
  assert.deepEqual(r.problems, []);
  assert.equal(r.label_nc, 5);
  const loader = new DatasetLoader(r, cfgFor(r), loaderOpts({ no_flip: true }));
  const byStem = new Map<string, Float32Array>();
  for (let i = 0; i < 3; i++) {
    const b = loader.next(1);
    byStem.set(b.stems[0], b.images);
    assert.deepEqual([...b.labels.ids.subarray(0, 6)], [0, 1, 2, 3, 4, 0]);
  }
  const px = (s: string) => [...(byStem.get(s) as Float32Array).subarray(0, 3)].map((v) => Math.round((v + 1) * 127.5));
  assert.deepEqual(px('g'), [77, 77, 77]);
  assert.deepEqual(px('a'), [10, 20, 30]);
  const j = px('j');
  assert.ok(Math.abs(j[0] - 200) <= 3 && Math.abs(j[1] - 100) <= 3 && Math.abs(j[2] - 50) <= 3, `jpeg ${j}`);
});

/** 5 pairs (40x36) whose label id at x is x % 32 and whose photo's red channel is 5 * id + stem number. */
function xDataset(root: string, withInstances = false): void {
  for (let s = 0; s < 5; s++) {
    writePairs(root, {
      [`p${s}`]: { w: 40, h: 36, id: (x, y) => (x === 39 && y === 35 ? 255 : x % 32), rgb: (x, y) => [5 * (x % 32) + s, y * 5, s * 40], inst: withInstances ? (x) => 100 + x : undefined },
    });
  }
}

test('batches: model ids (255 -> label_nc), photos in [-1, 1], one crop and flip for label, photo and instance', (t) => {
  const root = tempDir(t);
  xDataset(root, true);
  const r = scanDataset(root, { no_instance: false });
  assert.deepEqual(r.problems, []);
  assert.equal(r.label_nc, 32);
  assert.equal(r.contain_dontcare_label, true);
  const loader = new DatasetLoader(r, cfgFor(r, { no_instance: false }), loaderOpts({ seed: 3 }));
  assert.deepEqual(loader.size, { width: 32, height: 32 });
  let flipped = 0;
  let sawDontcare = false;
  for (let step = 0; step < 20; step++) {
    const b = loader.next(2);
    const { ids, instances, n, h, w } = b.labels;
    assert.deepEqual([n, h, w], [2, 32, 32]);
    assert.equal(b.images.length, 2 * 32 * 32 * 3);
    assert.ok(instances && instances.length === ids.length);
    for (let k = 0; k < n; k++) {
      const s = Number(b.stems[k].slice(1));
      const first = ids[k * h * w];
      const second = ids[k * h * w + 1];
      if (second === first - 1) flipped++;
      for (let i = 0; i < h * w; i++) {
        const id = ids[k * h * w + i];
        const red = Math.round((b.images[(k * h * w + i) * 3] + 1) * 127.5);
        assert.ok(b.images[(k * h * w + i) * 3] >= -1 && b.images[(k * h * w + i) * 3] <= 1);
        if (id === 32) {
          sawDontcare = true; // the dontcare corner (file id 255) is channel label_nc
          continue;
        }
        assert.ok(id >= 0 && id < 32);
        assert.equal(red, 5 * id + s, `photo and label disagree at sample ${k} pixel ${i}`);
        assert.equal(((instances as Int32Array)[k * h * w + i] - 100) % 32, id);
      }
    }
  }
  assert.ok(flipped > 5 && flipped < 35, `flipped ${flipped} of 40`);
  assert.ok(sawDontcare);
  const noFlip = new DatasetLoader(r, cfgFor(r), loaderOpts({ seed: 3, no_flip: true }));
  for (let i = 0; i < 10; i++) {
    const { ids } = noFlip.next(1).labels;
    assert.equal(ids[1], (ids[0] + 1) % 32);
  }
});

test('the same seed gives the same batches; another seed other ones; epochs visit each pair once', (t) => {
  const root = tempDir(t);
  xDataset(root);
  const r = scanDataset(root);
  const cfg = cfgFor(r);
  const run = (seed: number, steps: number, batch: number) => {
    const l = new DatasetLoader(r, cfg, loaderOpts({ seed, preprocess_mode: 'resize_and_crop', load_size: 37 }));
    return Array.from({ length: steps }, () => l.next(batch));
  };
  const a = run(11, 6, 2);
  const b = run(11, 6, 2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((x) => x.images), run(12, 6, 2).map((x) => x.images));
  // drop_last: 5 pairs, batches of 2 -> two batches per epoch, 4 distinct pairs
  assert.deepEqual(a.map((x) => x.epoch), [0, 0, 1, 1, 2, 2]);
  for (let e = 0; e < 3; e++) assert.equal(new Set([...a[2 * e].stems, ...a[2 * e + 1].stems]).size, 4);
  const full = run(11, 4, 5);
  for (const x of full) assert.deepEqual([...x.stems].sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.ok(new Set(full.map((x) => x.stems.join())).size > 1, 'the order changes between epochs');
});

test('state() and restore() resume exactly, across epoch ends; a resume on another dataset is refused', (t) => {
  const root = tempDir(t);
  xDataset(root);
  const r = scanDataset(root);
  const cfg = cfgFor(r);
  const opts = loaderOpts({ seed: 99, preprocess_mode: 'scale_width_and_crop', load_size: 38 });
  const first = new DatasetLoader(r, cfg, opts);
  const ref = Array.from({ length: 7 }, () => first.next(2));
  const saver = new DatasetLoader(r, cfg, opts);
  saver.next(2);
  saver.next(2);
  saver.next(2);
  const saved = JSON.parse(JSON.stringify(saver.state()));
  assert.deepEqual(
    { epoch: saved.epoch, index: saved.index, seed: saved.seed, pairs: saved.pairs },
    { epoch: 1, index: 2, seed: 99, pairs: 5 },
  );
  const resumed = new DatasetLoader(r, cfg, { ...opts, seed: 1234 });
  resumed.restore(saved);
  assert.deepEqual(Array.from({ length: 4 }, () => resumed.next(2)), ref.slice(3));
  // another dataset
  const other = tempDir(t);
  xDataset(other);
  fs.renameSync(path.join(other, 'images/p4.png'), path.join(other, 'images/q4.png'));
  fs.renameSync(path.join(other, 'labels/p4.png'), path.join(other, 'labels/q4.png'));
  const r2 = scanDataset(other);
  const l2 = new DatasetLoader(r2, cfgFor(r2), opts);
  throwsInput(() => l2.restore(saved), /resume state: was saved for a dataset of 5 pairs/);
  throwsInput(() => l2.restore({ ...saved, epoch: -1 }), /invalid loader state/);
});

test('small datasets stay decoded in memory; without a cache, or after a header-only scan, batches are identical', (t) => {
  const root = tempDir(t);
  xDataset(root, true);
  const full = scanDataset(root);
  const quick = scanDataset(root, { checkImages: 'header' });
  assert.deepEqual(quick.problems, []);
  const cfg = cfgFor(full, { no_instance: false });
  const opts = loaderOpts({ seed: 5, preprocess_mode: 'resize_and_crop', load_size: 41 });
  const cached = new DatasetLoader(full, cfg, opts);
  assert.equal(cached.cachedPairs, 5);
  const uncached = new DatasetLoader(full, cfg, { ...opts, cacheBytes: 0 });
  assert.equal(uncached.cachedPairs, 0);
  const lazy = new DatasetLoader(quick, cfg, opts);
  assert.equal(lazy.cachedPairs, 0);
  for (let i = 0; i < 6; i++) {
    const want = cached.next(2);
    assert.deepEqual(uncached.next(2), want);
    assert.deepEqual(lazy.next(2), want);
  }
  assert.equal(uncached.cachedPairs, 0);
  assert.equal(lazy.cachedPairs, 5);
  // a header-only scan misses a corrupt photo; the loader then names it
  put(root, 'images/p2.png', rgbPng(40, 36, () => [1, 2, 3]).subarray(0, 60));
  const late = new DatasetLoader(scanDataset(root, { checkImages: 'header' }), cfg, { ...opts, cacheBytes: 0 });
  throwsInput(() => {
    for (let i = 0; i < 10; i++) late.next(2);
  }, /images\/p2\.png: truncated PNG/);
});

test('the loader refuses what it cannot train on, with the reason', (t) => {
  const root = tempDir(t);
  xDataset(root);
  const r = scanDataset(root);
  throwsInput(() => new DatasetLoader(r, cfgFor(r, { label_nc: 20 }), loaderOpts()), /checked for label_nc 32, contain_dontcare_label true, but the model has 20, true/);
  throwsInput(() => new DatasetLoader(r, cfgFor(r, { no_instance: false }), loaderOpts()), /no instances\/ folder/);
  throwsInput(() => new DatasetLoader(r, cfgFor(r, { crop_size: 64 }), loaderOpts()), /40x36 is smaller than the 64x64 crop/);
  throwsInput(() => new DatasetLoader(r, cfgFor(r), loaderOpts({ load_size: 0 })), /load_size must be a positive integer/);
  const fromFlag: string = 'zoom'; // as a CLI flag would arrive
  throwsInput(() => new DatasetLoader(r, cfgFor(r), loaderOpts({ preprocess_mode: fromFlag as PreprocessMode })), /preprocess_mode must be one of resize_and_crop, crop/);
  const l = new DatasetLoader(r, cfgFor(r), loaderOpts());
  throwsInput(() => l.next(6), /batch size 6 is larger than the dataset \(5 pairs\)/);
  put(root, 'labels/p0.png', 'broken');
  const bad = scanDataset(root);
  throwsInput(() => new DatasetLoader(bad, cfgFor(bad), loaderOpts()), /labels\/p0\.png: not a PNG file/);
  const tolerant = new DatasetLoader(bad, cfgFor(bad), loaderOpts({ ignoreProblems: true }));
  assert.equal(tolerant.length, 4);
});

test('a built-in label set maps its dontcare id to its dontcare channel (COCO-Stuff: 255 -> 182)', (t) => {
  const root = tempDir(t);
  writePairs(root, { a: { w: 32, h: 32, id: (x) => (x < 8 ? 255 : 181) } });
  const r = scanDataset(root, { labelSet: COCO_STUFF, contain_dontcare_label: true });
  assert.deepEqual(r.problems, []);
  assert.equal(r.label_nc, 182);
  const b = new DatasetLoader(r, cfgFor(r), loaderOpts({ no_flip: true })).next(1);
  assert.deepEqual([...b.labels.ids.subarray(6, 10)], [182, 182, 181, 181]);
});

test('timing: scan and batches of a 16-pair 256x256 dataset (printed, not asserted)', (t) => {
  const root = tempDir(t);
  for (let s = 0; s < 16; s++) writePairs(root, { [`s${s}`]: { w: 256, h: 256, id: (x, y) => ((x >> 5) + (y >> 5) * 3 + s) % 12, rgb: (x, y) => [x, y, (x * y + s) & 255] } });
  let t0 = performance.now();
  const r = scanDataset(root);
  const scanMs = performance.now() - t0;
  assert.equal(r.pairs.length, 16);
  const cfg = makeConfig({ label_nc: r.label_nc, contain_dontcare_label: false, no_instance: true, crop_size: 256, ngf: 4 });
  for (const [mode, cache] of [['resize_and_crop', undefined], ['resize_and_crop', 0], ['crop', undefined]] as const) {
    const l = new DatasetLoader(r, cfg, { seed: 1, preprocess_mode: mode, load_size: 286, no_flip: false, cacheBytes: cache });
    t0 = performance.now();
    for (let i = 0; i < 8; i++) l.next(4);
    const ms = (performance.now() - t0) / 32;
    console.log(`  ${mode}${cache === 0 ? ' (no cache)' : ''}: ${ms.toFixed(1)} ms per 256x256 sample`);
  }
  console.log(`  scan: ${(scanMs / 16).toFixed(1)} ms per pair (decode + checks)`);
});
