// The host's first-picture renderer (src/extension/first_picture): a real Node worker thread running
// the built bundle (dist/first_picture.js, made by `npm run build`, which test:unit runs first) on
// wasm, checked pixel for pixel against the renderer a page's worker uses, in the same seed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FirstPictureRenderer, renderWorkerScript } from '../../../src/extension/first_picture/first_picture_renderer';
import type { PreviewCheckpoint } from '../../../src/extension/checkpoint_service';
import { readCheckpoint, type SpadeCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { outputSize } from '../../../src/model/config';
import { rgbaBytes } from '../../../src/model/image_bytes';
import { mapIdsToModel } from '../../../src/model/io/label_sets';
import { LiveRenderer } from '../../../src/model/live/live_renderer';
import { previewBatch } from '../../../src/model/live/preview_batch';
import { SpadeModel } from '../../../src/model/model';
import { mulberry32 } from '../../../src/model/random';
import { FIRST_SEED, idsHash } from '../../../src/shared/first_picture';
import { ROOT } from '../../helpers/paths';
import { useBackend } from '../../helpers/reference';

const SCRIPT = renderWorkerScript(ROOT);
const MODEL = path.join(ROOT, 'media', 'models', 'tiny-untrained.safetensors');

function previewCheckpoint(bytes: Uint8Array, name: string): { ck: SpadeCheckpoint; preview: PreviewCheckpoint } {
  const ck = readCheckpoint(bytes, name);
  const cfg = ck.config;
  const model = { labelNc: cfg.label_nc, containDontcare: cfg.contain_dontcare_label, output: outputSize(cfg) };
  const preview = { info: { name, bytes, wholeFile: true }, labelSet: ck.labelSet, model, hasEncoder: !!ck.nets.E, readAt: 0 };
  return { ck, preview: preview as unknown as PreviewCheckpoint };
}

/** A map of file ids in blobs, as painted maps are; `w` x `h`. */
function paintedMap(ck: SpadeCheckpoint, w: number, h: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const names = ck.labelSet.names.length;
  const offset = ck.labelSet.idOffset ?? 0;
  const ids = new Int32Array(w * h).fill(offset);
  for (let k = 0; k < 8; k++) {
    const [cx, cy, r, v] = [rnd() * w, rnd() * h, 3 + rnd() * w * 0.3, offset + Math.floor(rnd() * names)];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) ids[y * w + x] = v;
  }
  return ids;
}

/** The stand-in model and a renderer on the built thread, stopped when the test ends; `logs`: what it logged. */
function start(t: TestContext) {
  assert.ok(fs.existsSync(SCRIPT), `${SCRIPT} is missing: run npm run build`);
  const bytes = new Uint8Array(fs.readFileSync(MODEL));
  const logs: string[] = [];
  const renderer = new FirstPictureRenderer(SCRIPT, () => true, (l) => logs.push(l));
  t.after(() => renderer.dispose());
  return { ...previewCheckpoint(bytes, 'tiny-untrained.safetensors'), renderer, logs, bytes };
}

test('the render thread draws what a page\'s worker draws, and refuses maps the model cannot take', async (t) => {
  const { ck, preview, renderer, logs } = start(t);

  const out = outputSize(ck.config);
  // One map at the output size, one twice as large (shrunk as the page's worker shrinks it).
  await useBackend('wasm');
  const model = SpadeModel.fromCheckpoint(ck, 'tiny');
  for (const [w, h, seed] of [[out.width, out.height, 1], [out.width * 2, out.height * 2, 2]]) {
    const ids = paintedMap(ck, w, h, seed);
    const got = await renderer.render(preview, ids, w, h);
    assert.ok(got, `a picture (log: ${logs.join('; ')})`);
    assert.equal(got.type, 'firstPicture');
    assert.equal(got.idsHash, idsHash(ids));
    assert.equal(got.seed, FIRST_SEED);
    assert.deepEqual([got.width, got.height], [out.width, out.height]);
    assert.ok(got.marks.hostFrameStarted! <= got.marks.hostFrameDone!);
    // The page's path: file ids to model ids, the preview batch, a fresh live renderer, seed FIRST_SEED.
    const mapped = mapIdsToModel(ids, ck.labelSet, ck.config.label_nc, ck.config.contain_dontcare_label).ids;
    const live = new LiveRenderer(model.G, model.params.G);
    const img = live.render(previewBatch(ck.config, mapped, w, h), { seed: FIRST_SEED }, 'label map').image;
    const want = rgbaBytes((await img.data()) as Float32Array);
    img.dispose();
    live.dispose();
    assert.deepEqual(Buffer.from(got.rgba), Buffer.from(want.buffer), `${w}x${h}: the same pixels`);
  }
  model.dispose();

  const bad = paintedMap(ck, out.width, out.height, 3);
  bad[5] = 999;
  assert.equal(await renderer.render(preview, bad, out.width, out.height), undefined, 'an id with no channel: no picture');
});

test('a new checkpoint replaces the model, a broken one is reported, and a lost thread is started again', async (t) => {
  const { ck, preview, renderer, logs, bytes } = start(t);
  const out = outputSize(ck.config);
  const ids = paintedMap(ck, out.width, out.height, 4);
  const first = await renderer.render(preview, ids, out.width, out.height);
  assert.ok(first);

  // The same model in another checkpoint object (a reload): loaded again, the same picture.
  const again = previewCheckpoint(bytes.slice(), 'reloaded.safetensors').preview;
  const second = await renderer.render(again, ids, out.width, out.height);
  assert.equal(second?.model, 'reloaded.safetensors');
  assert.deepEqual(Buffer.from(second!.rgba), Buffer.from(first.rgba));

  // Bytes that are no checkpoint: no picture, and the log says why.
  const broken = { ...again, info: { ...again.info, name: 'broken.safetensors', bytes: new Uint8Array([1, 2, 3]) } } as PreviewCheckpoint;
  assert.equal(await renderer.render(broken, ids, out.width, out.height), undefined);
  assert.match(logs.at(-1) ?? '', /^first picture: .*broken\.safetensors/);

  // The thread dies: the next picture starts a new one (and loads the model there).
  const worker = (renderer as unknown as { worker: { terminate(): Promise<number> } }).worker;
  await worker.terminate();
  const revived = await renderer.render(preview, ids, out.width, out.height);
  assert.deepEqual(Buffer.from(revived!.rgba), Buffer.from(first.rgba));
});
