// `--backend auto`, spade train's default: which adapters count as software, and on this
// machine (no GPU: Dawn finds llvmpipe at best) the run's first line says wasm, and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { isSoftwareAdapter } from '../../src/cli/auto_backend';
import { tempDir, writePairs } from '../helpers/dataset_builder';

test('software adapters are told from hardware ones by their description', () => {
  for (const d of ['mesa llvmpipe LLVM 15.0.6, 256 bits', 'Mesa lavapipe', 'Google SwiftShader', 'google swiftshader Subzero', 'Mesa softpipe']) {
    assert.ok(isSoftwareAdapter(d), d);
  }
  for (const d of ['nvidia hopper NVIDIA H100 80GB HBM3', 'amd rdna-3 AMD Radeon RX 7900 XTX', 'intel xe Intel(R) Arc(TM) A770 Graphics', 'apple metal-3 Apple M2']) {
    assert.ok(!isSoftwareAdapter(d), d);
  }
});

test('spade train without --backend: auto, whose choice and reason come first', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  writePairs(data, { a: { w: 32, h: 32, id: (x) => (x < 16 ? 0 : 1), rgb: (x, y) => [x * 7, y * 7, 90] } });
  const env = { ...process.env };
  delete env.SPADE_BACKEND;
  delete env.SPADE_DAWN_FLAGS;
  const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'index.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'train', '--data', data, '--check'], { encoding: 'utf8', timeout: 120_000, env });
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split('\n')[0];
  assert.match(first, /^backend: wasm \(auto: (the only WebGPU adapter is a software one \(.*(llvmpipe|lavapipe|swiftshader).*\)|no WebGPU adapter)/i);
});
