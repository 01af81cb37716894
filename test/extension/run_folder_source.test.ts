// spade.checkpoint on an NVlabs run folder: the host turns the folder into the one safetensors
// file the previews load (G and E, the options, the label set), with no vscode API involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpoint } from '../../src/model/checkpoint/spade_checkpoint';
import { readRunFolderForPreview, isRunFolderPath } from '../../src/extension/run_folder_source';
import { runSpade } from '../helpers/cli';

test('an exported run folder becomes a preview checkpoint with G, E, the options and the label set', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-runfolder-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const dir = path.join(tmp, 'default');
  const bundled = path.join(__dirname, '..', '..', 'media', 'models', 'default.safetensors');
  const e = runSpade(['export', bundled, '-o', dir, '--backend', 'cpu'], 180_000);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(isRunFolderPath(dir) && !isRunFolderPath(bundled));
  const read = async (file: string) => new Uint8Array(fs.readFileSync(file));
  const preview = await readRunFolderForPreview(dir, read);
  assert.equal(preview.name, 'default');
  const original = readCheckpoint(new Uint8Array(fs.readFileSync(bundled)), bundled);
  const back = readCheckpoint(preview.bytes, 'preview.safetensors');
  assert.deepEqual(back.labelSet, original.labelSet, 'the landscapes classes come back from spade_label_set.json');
  assert.deepEqual({ ...back.config, spade_hidden: 0 }, { ...original.config, spade_hidden: 0 });
  assert.equal(back.config.spade_hidden, 128, 'padded to NVlabs\' width');
  assert.ok(back.nets.E && back.nets.E.size > 0, 'the encoder comes along for style encoding');
  assert.equal(back.nets.D, undefined, 'previews need no D');

  fs.writeFileSync(path.join(dir, 'spade_label_set.json'), '{"name": 3}');
  await assert.rejects(readRunFolderForPreview(dir, read), /default\/spade_label_set\.json: invalid label set/);
});
