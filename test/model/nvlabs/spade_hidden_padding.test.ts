// Padding a SPADE layer's hidden width: the original values stay where the wider layer reads
// them, and everything added is zero (the picture test is in test/cli/commands/export.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { padSpadeHidden } from '../../../src/model/nvlabs/spade_hidden_padding';

const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), sourceDtype: 'F32' });

test('mlp_shared gains zero filters and bias; mlp_gamma/beta gain zero weights on those inputs; the rest is untouched', () => {
  const [hidden, wide, sem, nc, k] = [2, 5, 3, 4, 3];
  const G: NamedTensors = new Map([
    ['head_0.norm_0.mlp_shared.0.weight', t([hidden, sem, k, k])],
    ['head_0.norm_0.mlp_shared.0.bias', t([hidden])],
    ['head_0.norm_0.mlp_gamma.weight', t([nc, hidden, k, k])],
    ['head_0.norm_0.mlp_gamma.bias', t([nc])],
    ['head_0.norm_0.mlp_beta.weight', t([nc, hidden, k, k])],
    ['head_0.conv_0.weight_orig', t([nc, nc, k, k])],
  ]);
  const out = padSpadeHidden(G, hidden, wide);
  const shared = out.get('head_0.norm_0.mlp_shared.0.weight')!;
  assert.deepEqual(shared.shape, [wide, sem, k, k]);
  const perFilter = sem * k * k;
  assert.deepEqual([...shared.data.subarray(0, hidden * perFilter)], [...G.get('head_0.norm_0.mlp_shared.0.weight')!.data]);
  assert.ok(shared.data.subarray(hidden * perFilter).every((v) => v === 0));
  assert.deepEqual([...out.get('head_0.norm_0.mlp_shared.0.bias')!.data], [1, 2, 0, 0, 0]);
  for (const name of ['mlp_gamma', 'mlp_beta']) {
    const w = out.get(`head_0.norm_0.${name}.weight`)!;
    const src = G.get(`head_0.norm_0.${name}.weight`)!;
    assert.deepEqual(w.shape, [nc, wide, k, k]);
    for (let o = 0; o < nc; o++) {
      for (let i = 0; i < wide; i++) {
        for (let j = 0; j < k * k; j++) {
          const v = w.data[(o * wide + i) * k * k + j];
          assert.equal(v, i < hidden ? src.data[(o * hidden + i) * k * k + j] : 0, `${name}[${o}, ${i}, ${j}]`);
        }
      }
    }
  }
  assert.equal(out.get('head_0.norm_0.mlp_gamma.bias'), G.get('head_0.norm_0.mlp_gamma.bias'));
  assert.equal(out.get('head_0.conv_0.weight_orig'), G.get('head_0.conv_0.weight_orig'));
  assert.equal(padSpadeHidden(G, hidden, hidden).get('head_0.norm_0.mlp_shared.0.weight'), G.get('head_0.norm_0.mlp_shared.0.weight'));
});
