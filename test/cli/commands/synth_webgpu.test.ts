// Inference on WebGPU through Dawn (the `webgpu` package), a real implementation on this machine's
// software adapter: `spade synth` with the default model paints what it paints on wasm, within one
// 8-bit level. Eval mode runs the convs fused with their bias and ReLU (tf.fused.conv2d), a
// different kernel per backend, so this checks the WebGPU one against XNNPACK's. The dirty-region
// renderer's exactness on WebGPU is in live.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode } from 'fast-png';
import { runSpade } from '../../helpers/cli';
import { tempDir } from '../../helpers/dataset_builder';
import { ROOT } from '../../helpers/paths';

const SAMPLE = path.join(ROOT, 'media', 'samples', 'landscape.label.png');

test('spade synth --backend webgpu (Dawn) paints the default model\'s picture as wasm does', (t) => {
  const dir = tempDir(t);
  const paint = (backend: string) => {
    const out = path.join(dir, `${backend}.png`);
    const r = runSpade(['synth', '--label', SAMPLE, '--seed', '3', '--backend', backend, '-o', out], 300_000);
    assert.equal(r.code, 0, `${backend}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`${backend},`), `ran on ${backend}: ${r.stdout}`);
    return decode(fs.readFileSync(out));
  };
  const gpu = paint('webgpu');
  const cpu = paint('wasm');
  assert.deepEqual([gpu.width, gpu.height, gpu.channels], [cpu.width, cpu.height, cpu.channels]);
  let worst = 0;
  let off = 0;
  for (let i = 0; i < gpu.data.length; i++) {
    const d = Math.abs(gpu.data[i] - cpu.data[i]);
    worst = Math.max(worst, d);
    if (d) off++;
  }
  console.log(`webgpu vs wasm: worst ${worst}/255, ${off} of ${gpu.data.length} values differ`);
  assert.ok(worst <= 1, `worst difference ${worst}/255`);
  // A blank or constant picture would pass the comparison: the picture has content.
  const first = gpu.data[0];
  assert.ok(gpu.data.some((v) => Math.abs(v - first) > 40), 'the picture is not flat');
});
