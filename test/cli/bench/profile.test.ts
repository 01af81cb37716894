// `spade bench … --profile` on Dawn's null backend: the GPU work of a train step of the default
// model's layers (vae64) and of a forward frame stays under the ceilings below. Counts only:
// they are the same on every machine, so they cannot creep back unseen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchDocument } from '../../../src/cli/bench/rows';

const ROOT = path.join(__dirname, '..', '..', '..');

/** A train step that does not log (issue 16 asks for at most 2,000 dispatches and 8 uploads). */
const TRAIN_CEILING = { dispatches: 1950, uploads: 8, submits: 10, readbacks: 0, pipelines_compiled: 0 };
/**
 * A steady forward frame (the same style code every frame): its one upload is the mask's ids,
 * int32 (the one-hot is built on the device, the norms' statistics and constants are on it already).
 */
const FORWARD_CEILING = { dispatches: 265, uploads: 1, submits: 2, readbacks: 1, pipelines_compiled: 0 };
/** vae64's label map: 64 x 64 int32 ids, batch 1. */
const MASK_BYTES = 64 * 64 * 4;

/** The profile picks Dawn's null backend itself unless told otherwise. */
function withoutDawnFlags(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SPADE_DAWN_FLAGS;
  return env;
}

function profile(mode: 'train' | 'forward', t: { after(f: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-profile-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'out.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), 'bench', mode, '--profile', '--config', 'vae64', '--no_torch', '--runs', '2', '--max_row_s', '1', '--json', json], {
    encoding: 'utf8',
    timeout: 300_000,
    cwd: ROOT,
    env: withoutDawnFlags(),
  });
  assert.equal(r.status, 0, r.stderr);
  const rows = (JSON.parse(fs.readFileSync(json, 'utf8')) as BenchDocument).rows;
  assert.equal(rows.length, 1);
  return rows[0];
}

for (const [mode, ceiling] of [['train', TRAIN_CEILING], ['forward', FORWARD_CEILING]] as const) {
  test(`bench ${mode} --profile: counts within the ceilings`, (t) => {
    const row = profile(mode, t);
    assert.ok(row.dispatches! > 0 && row.null_host_ms! > 0, `a profile was measured: ${row.note ?? ''}`);
    for (const [k, max] of Object.entries(ceiling)) {
      const got = row[k as keyof typeof row] as number;
      assert.ok(got <= max, `${k}: ${got} > ${max}`);
    }
    assert.equal(Object.values(row.programs!).reduce((a, b) => a + b, 0), row.dispatches);
    if (mode === 'forward') {
      assert.equal(row.uploads, 1, 'a frame uploads the mask alone');
      assert.equal(row.upload_bytes, MASK_BYTES, 'the mask goes up as int32 ids, not as a one-hot');
    }
  });
}
