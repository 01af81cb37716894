import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADE20K,
  BUILTIN_LABEL_SETS,
  CITYSCAPES,
  COCO_STUFF,
  NVLABS_DATASET_DEFAULTS,
  dontcareChannel,
  fileIdName,
  fileIdsToModelIds,
  filePalette,
  genericLabelSet,
  labelColormap,
  labelSetFor,
  mapIdsToModel,
  modelIdsToFileIds,
  semanticChannels,
  type LabelSet,
} from '../../../src/model/io/label_sets';
import { decodeLabelMap, encodeLabelMap } from '../../../src/model/io/label_png';

function checkShape(set: LabelSet, n: number): void {
  assert.equal(set.names.length, n, `${set.name} names`);
  assert.equal(set.colors.length, n, `${set.name} colors`);
  assert.equal(new Set(set.names).size, n, `${set.name} names are unique`);
  for (const c of set.colors) {
    assert.equal(c.length, 3);
    for (const v of c) assert.ok(Number.isInteger(v) && v >= 0 && v <= 255, `${set.name}: colour ${c}`);
  }
}

test('built-in sets have NVlabs sizes: COCO-Stuff 182, ADE20K 150, Cityscapes 35', () => {
  checkShape(COCO_STUFF, 182);
  checkShape(ADE20K, 150);
  checkShape(CITYSCAPES, 35);
  assert.deepEqual(Object.keys(BUILTIN_LABEL_SETS).sort(), ['ade20k', 'cityscapes', 'coco-stuff']);
  for (const [name, d] of Object.entries(NVLABS_DATASET_DEFAULTS)) {
    assert.equal(BUILTIN_LABEL_SETS[name as keyof typeof BUILTIN_LABEL_SETS].names.length, d.labelNc);
  }
});

test('COCO-Stuff names follow cocostuff labels.txt (ids shifted by one, unused thing slots kept)', () => {
  const n = COCO_STUFF.names;
  assert.deepEqual(n.slice(0, 3), ['person', 'bicycle', 'car']);
  assert.equal(n[11], 'street sign');
  assert.equal(n[25], 'hat');
  assert.equal(n[90], 'hair brush');
  assert.equal(n[91], 'banner');
  assert.equal(n[156], 'sky-other');
  assert.equal(n[181], 'wood');
  assert.equal(COCO_STUFF.dontcareId, 255);
});

test('COCO-Stuff colours are NVlabs labelcolormap(182) with its natural-colour overrides', () => {
  // numpy reference: util.labelcolormap(182) from NVlabs/SPADE
  assert.deepEqual(labelColormap(5), [
    [128, 0, 0],
    [0, 128, 0],
    [128, 128, 0],
    [0, 0, 128],
    [128, 0, 128],
  ]);
  assert.deepEqual(labelColormap(182)[181], [0, 224, 192]);
  assert.deepEqual(COCO_STUFF.colors[0], [128, 0, 0]);
  assert.deepEqual(COCO_STUFF.colors[COCO_STUFF.names.indexOf('sea')], [54, 62, 167]);
  assert.deepEqual(COCO_STUFF.colors[COCO_STUFF.names.indexOf('sky-other')], [95, 219, 255]);
  assert.deepEqual(COCO_STUFF.colors[COCO_STUFF.names.indexOf('grass')], [29, 195, 49]);
  assert.equal(new Set(labelColormap(256).map((c) => c.join(','))).size, 256, 'colormap is injective on 0..255');
});

test('ADE20K names and the standard 150-colour palette', () => {
  assert.deepEqual(ADE20K.names.slice(0, 4), ['wall', 'building', 'sky', 'floor']);
  assert.equal(ADE20K.names[7], 'bed');
  assert.equal(ADE20K.names[12], 'person');
  assert.equal(ADE20K.names[149], 'flag');
  assert.deepEqual(ADE20K.colors[0], [120, 120, 120]);
  assert.deepEqual(ADE20K.colors[2], [6, 230, 230]);
  assert.deepEqual(ADE20K.colors[149], [92, 0, 255]);
  assert.equal(ADE20K.dontcareId, 0);
  assert.equal(ADE20K.idOffset, 1);
});

test('Cityscapes labelIds, names and official colours', () => {
  const n = CITYSCAPES.names;
  assert.deepEqual(n.slice(0, 4), ['unlabeled', 'ego vehicle', 'rectification border', 'out of roi']);
  assert.equal(n[7], 'road');
  assert.equal(n[26], 'car');
  assert.equal(n[33], 'bicycle');
  assert.equal(n[34], 'license plate');
  assert.deepEqual(CITYSCAPES.colors[7], [128, 64, 128]);
  assert.deepEqual(CITYSCAPES.colors[23], [70, 130, 180]);
  assert.deepEqual(CITYSCAPES.colors[34], [0, 0, 142]);
  assert.equal(CITYSCAPES.dontcareId, null);
});

test('built-in sets are frozen', () => {
  assert.throws(() => {
    COCO_STUFF.names[0] = 'x';
  }, TypeError);
  assert.throws(() => {
    ADE20K.colors[0][0] = 1;
  }, TypeError);
  assert.throws(() => {
    (CITYSCAPES as { name: string }).name = 'y';
  }, TypeError);
});

test('genericLabelSet: class_k names, NVlabs colormap, dontcare 255 only with contain_dontcare', () => {
  const g = genericLabelSet(7, true);
  checkShape(g, 7);
  assert.deepEqual(g.names, ['class_0', 'class_1', 'class_2', 'class_3', 'class_4', 'class_5', 'class_6']);
  assert.deepEqual(g.colors, labelColormap(7));
  assert.equal(g.dontcareId, 255);
  assert.equal(genericLabelSet(7, false).dontcareId, null);
  assert.equal(genericLabelSet(300, true).dontcareId, null, '255 is a real class there');
  assert.throws(() => genericLabelSet(0, false), RangeError);
});

test('labelSetFor picks the built-in set from label_nc / contain_dontcare_label', () => {
  assert.equal(labelSetFor(182, true), COCO_STUFF);
  assert.equal(labelSetFor(150, true), ADE20K);
  assert.equal(labelSetFor(35, false), CITYSCAPES);
  assert.equal(labelSetFor(35, true).name, 'generic');
  assert.equal(labelSetFor(12, false).names.length, 12);
});

test('channel counts and the dontcare channel', () => {
  assert.equal(semanticChannels(182, true), 183);
  assert.equal(semanticChannels(35, false), 35);
  assert.equal(dontcareChannel(182, true), 182);
  assert.equal(dontcareChannel(35, false), null);
});

// ---------------------------------------------------------------------------------------------
// file ids → model ids

test('COCO-Stuff: 255 (and label_nc itself) go to channel 182 with contain_dontcare_label', () => {
  const r = mapIdsToModel(Int32Array.from([0, 181, 255, 182, 200, 200]), COCO_STUFF, 182, true);
  assert.deepEqual([...r.ids], [0, 181, 182, 182, -1, -1]);
  assert.deepEqual(r.invalid, [{ id: 200, count: 2 }]);
  const noDc = mapIdsToModel(Int32Array.from([0, 255]), COCO_STUFF, 182, false);
  assert.deepEqual([...noDc.ids], [0, -1]);
  assert.deepEqual(noDc.invalid, [{ id: 255, count: 1 }]);
});

test('ADE20K: file 0 → dontcare channel 150, k → k-1; unshifted mode reproduces NVlabs’ loader', () => {
  const file = Int32Array.from([0, 1, 150, 151, 255]);
  const r = mapIdsToModel(file, ADE20K, 150, true);
  assert.deepEqual([...r.ids], [150, 0, 149, -1, -1]);
  assert.deepEqual(r.invalid, [
    { id: 151, count: 1 },
    { id: 255, count: 1 },
  ]);
  const raw = mapIdsToModel(file, ADE20K, 150, true, { applyIdOffset: false });
  assert.deepEqual([...raw.ids], [0, 1, 150, -1, 150]);
  assert.deepEqual(raw.invalid, [{ id: 151, count: 1 }]);
});

test('Cityscapes: no dontcare channel by default, so 35 and 255 do not fit', () => {
  const r = mapIdsToModel(Int32Array.from([0, 7, 33, 34, 35, 255]), CITYSCAPES, 35, false);
  assert.deepEqual([...r.ids], [0, 7, 33, 34, -1, -1]);
  assert.deepEqual(r.invalid, [
    { id: 35, count: 1 },
    { id: 255, count: 1 },
  ]);
});

test('ids above 65535 and negative ids are handled too', () => {
  const r = mapIdsToModel(Int32Array.from([70000, -3, 2]), genericLabelSet(5, false), 5, false);
  assert.deepEqual([...r.ids], [-1, -1, 2]);
  assert.deepEqual(r.invalid, [
    { id: -3, count: 1 },
    { id: 70000, count: 1 },
  ]);
});

test('fileIdsToModelIds and modelIdsToFileIds are inverse on every valid id', () => {
  const cases: Array<[LabelSet, number[]]> = [
    [ADE20K, Array.from({ length: 151 }, (_, i) => i)],
    [COCO_STUFF, [...Array.from({ length: 182 }, (_, i) => i), 255]],
    [CITYSCAPES, Array.from({ length: 35 }, (_, i) => i)],
    [genericLabelSet(10, true), [...Array.from({ length: 10 }, (_, i) => i), 255]],
  ];
  for (const [set, fileIds] of cases) {
    const model = fileIdsToModelIds(Int32Array.from(fileIds), set);
    assert.ok(model.every((m) => m >= 0), set.name);
    assert.deepEqual([...modelIdsToFileIds(model, set)], fileIds, set.name);
  }
  assert.deepEqual([...fileIdsToModelIds(Int32Array.from([0, 1, 150]), ADE20K)], [150, 0, 149]);
  assert.deepEqual([...modelIdsToFileIds(Int32Array.from([150, 0, 149]), ADE20K)], [0, 1, 150]);
  const all = Int32Array.from({ length: 151 }, (_, i) => i);
  const rawOpts = { applyIdOffset: false };
  assert.deepEqual(fileIdsToModelIds(all, ADE20K, rawOpts), all, 'unshifted ADE20K is the identity on 0..150');
  assert.deepEqual(modelIdsToFileIds(all, ADE20K, rawOpts), all);
  assert.throws(() => modelIdsToFileIds(Int32Array.from([35]), CITYSCAPES), /model id 35 has no file id/);
  assert.throws(() => modelIdsToFileIds(Int32Array.from([-1]), COCO_STUFF), RangeError);
});

test('an id no COCO-Stuff channel takes (the NVlabs crash) maps to -1', () => {
  const file = Int32Array.from([1, 1, 200, 3]);
  const { ids } = mapIdsToModel(file, COCO_STUFF, 182, true);
  assert.equal(ids[2], -1);
});

// ---------------------------------------------------------------------------------------------
// palettes for files

test('filePalette is indexed by file id', () => {
  const ade = filePalette(ADE20K);
  assert.equal(ade.length, 151);
  assert.deepEqual(ade[0], [0, 0, 0]);
  assert.deepEqual(ade[1], [120, 120, 120]);
  const coco = filePalette(COCO_STUFF);
  assert.equal(coco.length, 256);
  assert.deepEqual(coco[255], [0, 0, 0]);
  assert.equal(coco[200], undefined);
  assert.equal(filePalette(CITYSCAPES).length, 35);
  assert.equal(fileIdName(ADE20K, 0), 'other');
  assert.equal(fileIdName(ADE20K, 1), 'wall');
  assert.equal(fileIdName(COCO_STUFF, 255), 'unlabeled');
  assert.equal(fileIdName(COCO_STUFF, 200), '#200');
});

test('RGB colour-coded maps round-trip through filePalette (shared colours read as the first id)', () => {
  // Cityscapes ids 0..4 are all black and 26/34 share (0,0,142): they read back as 0 and 26.
  const ids = Int32Array.from([7, 8, 26, 34, 0, 3, 23, 33]);
  const pal = filePalette(CITYSCAPES);
  const bytes = encodeLabelMap({ width: 4, height: 2, ids, encoding: { kind: 'rgb', palette: pal } });
  const back = decodeLabelMap(bytes, 'color.png', { palette: pal });
  assert.deepEqual([...back.ids], [7, 8, 26, 26, 0, 0, 23, 33]);
  // ADE20K: 'road' (6) and 'skyscraper' (48) share (140,140,140): file ids 7 and 49
  const adeBack = decodeLabelMap(
    encodeLabelMap({ width: 3, height: 1, ids: Int32Array.from([0, 7, 49]), encoding: { kind: 'rgb', palette: filePalette(ADE20K) } }),
    'ade.png',
    { palette: filePalette(ADE20K) },
  );
  assert.deepEqual([...adeBack.ids], [0, 7, 7]);
});
