// The exported picture's file name: map stem, style, and the size when upsampled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapStem, pictureFileName } from '../../src/extension/picture_name';

test('a seed style: <map>.seed<N>.png', () => {
  assert.equal(pictureFileName('landscape.label.png', { kind: 'seed', seed: 42 }), 'landscape.seed42.png');
  assert.equal(pictureFileName('frankfurt_000000_labelIds.png', { kind: 'seed', seed: 1 }), 'frankfurt_000000_labelIds.seed1.png');
});

test('a style image: its stem, with anything outside letters, digits, _ - . replaced', () => {
  assert.equal(pictureFileName('a.label.png', { kind: 'image', name: 'sunset.jpg' }), 'a.style-sunset.png');
  assert.equal(pictureFileName('a.label.png', { kind: 'image', name: '../my pic/x*y.png' }), 'a.style-_my_pic_x_y.png');
  assert.equal(pictureFileName('a.label.png', { kind: 'image', name: '...' }), 'a.style-style.png');
  assert.ok(pictureFileName('a.label.png', { kind: 'image', name: 'n'.repeat(300) }).length < 80, 'long names are cut');
});

test('upsampled to the label map: the size is in the name', () => {
  assert.equal(pictureFileName('map.label.png', { kind: 'seed', seed: 7 }, { width: 512, height: 384 }), 'map.seed7.512x384.png');
});

test('mapStem keeps other PNG names whole but for .png', () => {
  assert.equal(mapStem('x.label.png'), 'x');
  assert.equal(mapStem('x.PNG'), 'x');
  assert.equal(mapStem('.png'), 'image');
});
