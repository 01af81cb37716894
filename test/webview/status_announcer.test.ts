/** The status line's announcements: changes of state at once, "picture updated" at most once a second. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { announcement, PICTURE_EVERY_MS, type StatusSnapshot } from '../../src/webview/status_announcer';

const base: StatusSnapshot = { backend: 'webgl', model: 'tiny', error: null, note: null, frames: 3 };

test('a new frame is announced once the last announcement of one is a second old, not sooner', () => {
  const next = { ...base, frames: 4 };
  assert.equal(announcement(base, next, 5000, 5000 - PICTURE_EVERY_MS), 'Picture updated');
  assert.equal(announcement(base, next, 5000, 5000 - PICTURE_EVERY_MS + 1), null);
});

test('nothing is announced when nothing changed', () => {
  assert.equal(announcement(base, { ...base }, 1e9, 0), null);
});

test('backend, model, errors and notes are announced at once, frames or not', () => {
  assert.equal(announcement(base, { ...base, backend: 'wasm' }, 0, 0), 'Running on wasm');
  assert.equal(announcement(base, { ...base, model: 'default', frames: 9 }, 0, 0), 'Model default');
  assert.equal(announcement(base, { ...base, error: 'out of memory' }, 0, 0), 'Error: out of memory');
  assert.equal(announcement({ ...base, error: 'x' }, base, 0, 0), 'Error cleared');
  assert.equal(announcement(base, { ...base, note: 'WebGPU is a software adapter' }, 0, 0), 'WebGPU is a software adapter');
});

test('the same error on every frame is said once', () => {
  const failing = { ...base, error: 'bad ids' };
  assert.equal(announcement(failing, { ...failing, frames: 10 }, 1e9, 0), 'Picture updated');
  assert.equal(announcement(failing, { ...failing }, 1e9, 0), null);
});
