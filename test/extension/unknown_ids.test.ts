// Label ids a model has no channel for: the editor's message (which ids, how many pixels) and the
// pixels its "Treat as dontcare" edit paints. The whole flow runs in the VS Code integration suite
// (editor_faults.test.ts); this checks the arithmetic on label sets with and without dontcare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownIds } from '../../src/extension/unknown_ids';
import { CITYSCAPES, COCO_STUFF, LANDSCAPES } from '../../src/model/io/label_sets';

test('landscapes (11 classes + dontcare): unknown ids, their pixels, and 255 to paint them with', () => {
  // 11 is label_nc itself, which NVlabs' loaders send to the dontcare channel, as 255.
  const ids = Int32Array.from([0, 20, 20, 300, 255, 11, 10, 20]);
  const u = findUnknownIds(ids, LANDSCAPES, { labelNc: 11, containDontcare: true }, 'lake.label.png');
  assert.ok(u);
  assert.deepEqual(u.invalid, [{ id: 20, count: 3 }, { id: 300, count: 1 }]);
  assert.deepEqual(Array.from(u.indices), [1, 2, 3, 7]);
  assert.equal(u.dontcareId, 255);
  assert.equal(u.message, "lake.label.png: label ids outside the model's 12 classes: 20 (3 px), 300 (1 px); 4 pixels in all. Paint them as dontcare (an edit you can undo)?");
});

test('every id fits: nothing to say', () => {
  const ids = Int32Array.from([0, 1, 10, 255]);
  assert.equal(findUnknownIds(ids, LANDSCAPES, { labelNc: 11, containDontcare: true }, 'x.png'), null);
});

test('a model without a dontcare channel: the ids are named, and nothing is offered', () => {
  const ids = Int32Array.from([0, 34, 35, 40, 255]);
  const u = findUnknownIds(ids, CITYSCAPES, { labelNc: 35, containDontcare: false }, 'aachen_labelIds.png');
  assert.ok(u);
  assert.equal(u.dontcareId, null);
  assert.deepEqual(u.invalid.map((e) => e.id), [35, 40, 255]);
  assert.match(u.message, /^aachen_labelIds\.png: label ids outside the model's 35 classes: 35 \(1 px\), 40 \(1 px\), 255 \(1 px\); 3 pixels in all\. This model has no dontcare class/);
});

test('a label set whose dontcare id the model cannot take is not offered as the fix', () => {
  // COCO-Stuff names 255 as dontcare; a model trained without contain_dontcare_label has no channel for it.
  const u = findUnknownIds(Int32Array.from([5, 255, 200]), COCO_STUFF, { labelNc: 182, containDontcare: false }, 'coco.png');
  assert.ok(u);
  assert.equal(u.dontcareId, null);
  assert.deepEqual(Array.from(u.indices), [1, 2]);
});
