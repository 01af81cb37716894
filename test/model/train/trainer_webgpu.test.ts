// Training on WebGPU through Dawn (the `webgpu` package): a real implementation, on this
// machine's software drivers (Mesa llvmpipe through OpenGL ES, or lavapipe). Two steps from the
// same seed must log the same losses as wasm, up to float32 differences between the kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writePairs } from '../../helpers/dataset_builder';
import { ROOT } from '../../helpers/paths';

const CLI = path.join(ROOT, 'dist', 'cli.js');
// n_layers_D 4 (NVlabs' default): 8 feature-matching terms, which once broke a WebGPU shader.
const TINY = ['--crop_size', '32', '--ngf', '4', '--ndf', '8', '--spade_hidden', '8', '--n_layers_D', '4'];
/**
 * Instance-norm SPADE; and the default model's layers (batch-norm SPADE with its running
 * statistics, the VAE encoder), which go through other fused WebGPU kernels (batch 2: batch norm
 * needs more than one value per channel at the 1x1 head).
 */
const CONFIGS = [
  { name: 'instance norm', flags: ['--norm_G', 'spectralspadeinstance3x3'], losses: ['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real'] },
  {
    name: 'batch norm, VAE',
    flags: ['--norm_G', 'spectralspadesyncbatch3x3', '--use_vae', '--batch', '2'],
    losses: ['G_GAN', 'G_GAN_Feat', 'G_KLD', 'D_Fake', 'D_real'],
  },
];

function losses(out: string): Array<Record<string, number>> {
  return fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
}

for (const config of CONFIGS) {
  test(`spade train --backend webgpu (Dawn) runs steps that match wasm (${config.name})`, (t) => {
    const root = tempDir(t);
    const data = path.join(root, 'data');
    writePairs(data, {
      a: { w: 32, h: 32, id: (x, y) => (y < 12 ? 0 : x < 16 ? 1 : 2), rgb: (x, y) => [y < 12 ? 60 : 180, x * 7, 90] },
      b: { w: 32, h: 32, id: (x, y) => (y < 18 ? 0 : (x + y) % 3), rgb: (x, y) => [100, y * 6, x * 5] },
    });
    const run = (backend: string) => {
      const out = path.join(root, backend);
      const r = spawnSync(process.execPath, [CLI, 'train', '--data', data, '--out', out, '--steps', '2', '--log_every', '1', '--seed', '7', '--backend', backend, ...TINY, ...config.flags], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `${backend}: ${r.stderr.split('\n').filter((l) => l.startsWith('spade')).join('\n')}`);
      assert.match(r.stdout, new RegExp(`on ${backend}`));
      return losses(out);
    };
    const gpu = run('webgpu');
    const cpu = run('wasm');
    assert.equal(gpu.length, 2);
    for (let s = 0; s < 2; s++) {
      for (const k of config.losses) {
        assert.ok(Math.abs(gpu[s][k] - cpu[s][k]) <= 1e-3 * Math.max(1, Math.abs(cpu[s][k])), `step ${s + 1} ${k}: webgpu ${gpu[s][k]} vs wasm ${cpu[s][k]}`);
      }
    }
  });
}
