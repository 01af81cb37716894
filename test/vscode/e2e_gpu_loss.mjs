// WebGPU device loss, end to end (webgpu run, called from run-e2e.mjs after its other steps): the
// webview's test hook destroys the worker's WebGPU device, as a driver reset would. The worker must
// move to WebGL and say so in the status line, the last good picture must stay on screen while it
// does, and painting must go on: a stroke changes the mask and, on WebGL, the picture.
// The hook (__spadeDebug.loseGpu) exists only because run-e2e.mjs starts code-server with
// SPADE_TEST_HOOKS=1 (see src/extension/webview_html.ts). Screenshots: e2e-webgpu-gpu-*.png.
import { log, ms } from './harness.mjs';

const TAG = 'e2e';
const FULL = { x0: 0, y0: 0, x1: 1, y1: 1 };
// The anti-diagonal, away from the first stroke's diagonal except at the centre.
const FROM = [0.85, 0.15];
const TO = [0.15, 0.85];
const BOX = { x0: 0.1, y0: 0.1, x1: 0.9, y1: 0.9 };

export async function driveGpuLoss({
  page,
  frame,
  backend,
  T,
  shot,
  until,
  canvasStats,
  diffCount,
  fail,
  readStatus,
  paintLine,
}) {
  const R = (T.gpuLoss = {});
  // 1. A settled picture on WebGPU.
  let st;
  await until(
    'the webgpu preview to settle (no frame in flight)',
    180_000,
    async () => {
      st = await readStatus(frame);
      return st.frames >= 1 && (await frame.$eval('#status', (el) => el.dataset.busy)) === 'false';
    },
    async () => `last #status: ${JSON.stringify(st)}`,
  );
  if (st.backend !== 'webgpu') fail(`before the device loss the backend is '${st.backend}', expected webgpu`);
  if (st.error) fail(`before the device loss #status shows an error: ${st.error}`);
  const good = await canvasStats(frame, '#output-canvas', FULL);
  const framesAtLoss = st.frames;

  // 2. Lose the device.
  const t0 = Date.now();
  const hooked = await frame.evaluate(() => {
    const hook = globalThis.__spadeDebug;
    if (!hook || typeof hook.loseGpu !== 'function') return false;
    hook.loseGpu();
    return true;
  });
  if (!hooked)
    fail("the webview has no __spadeDebug.loseGpu (the host gives it only with SPADE_TEST_HOOKS=1 in code-server's environment)");

  // 3. The status line names the fallback, and until a new frame is asked for, the picture on
  //    screen is the last good one: never blank, never an error, never a half-drawn frame.
  let checks = 0;
  await until(
    '#status to report the fallback to webgl after the WebGPU device was lost',
    60_000,
    async () => {
      st = await readStatus(frame);
      if (st.error) fail(`after the device loss #status shows an error instead of falling back: ${st.error}`);
      const now = await canvasStats(frame, '#output-canvas', FULL);
      const changed = diffCount(good, now);
      checks++;
      if (!now || now.blank || changed > 0)
        fail(
          `while falling back the picture changed (${now?.blank ? 'blank' : `${changed} px differ`}); the last good image should stay`,
        );
      return st.backend === 'webgl';
    },
    async () => `last #status: ${JSON.stringify(st)}`,
  );
  R.lossToFallback = ms(t0);
  log(TAG, `${backend}: device lost; #status says "${st.text}" after ${R.lossToFallback} ms`);
  if (!/webgpu failed/.test(st.text) || !/device lost/i.test(st.text))
    fail(`#status reports webgl but does not say why: "${st.text}"`);
  if (!st.text.startsWith('webgl')) fail(`#status text should lead with the new backend: "${st.text}"`);
  if (st.frames !== framesAtLoss) fail(`a frame arrived (${st.frames} vs ${framesAtLoss}) without any request after the loss`);
  const kept = await canvasStats(frame, '#output-canvas', FULL);
  if (diffCount(good, kept) !== 0) fail('after the fallback the last good picture is no longer on screen');
  log(TAG, `${backend}: the last WebGPU picture stayed on screen through ${checks} checks during the fallback`);
  await shot('gpu-lost');

  // 4. Painting still works: the stroke shows in the mask at once, and WebGL renders it.
  const maskBefore = await canvasStats(frame, '#mask-canvas', BOX);
  const outBefore = await canvasStats(frame, '#output-canvas', BOX);
  const t1 = Date.now();
  await paintLine(page, frame, FROM, TO);
  let maskChanged = 0;
  await until('the mask to change under a stroke after the fallback', 10_000, async () => {
    maskChanged = diffCount(maskBefore, await canvasStats(frame, '#mask-canvas', BOX));
    return maskChanged > 0;
  });
  let outChanged = 0;
  await until(
    'a webgl frame after the stroke that differs in the stroke region',
    180_000,
    async () => {
      st = await readStatus(frame);
      if (st.error) fail(`painting after the fallback: #status shows an error: ${st.error}`);
      if (!(st.frames > framesAtLoss)) return false;
      outChanged = diffCount(outBefore, await canvasStats(frame, '#output-canvas', BOX));
      return outChanged > 0;
    },
    async () => `last #status: ${JSON.stringify(st)}`,
  );
  if (st.backend !== 'webgl') fail(`the frame after the fallback came from '${st.backend}', expected webgl`);
  R.strokeToFrame = ms(t1);
  R.latency = st.latency;
  log(
    TAG,
    `${backend}: after the fallback a stroke changed ${maskChanged} mask px and ${outChanged} output px; ` +
      `webgl frame ${R.strokeToFrame} ms after the stroke began (data-latency ${st.latency} ms)`,
  );
  await shot('gpu-lost-painted');
}
