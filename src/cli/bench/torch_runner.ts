/**
 * PyTorch as a measuring stick: bench/torch_spade.py under Debian's /usr/bin/python3 (or
 * $SPADE_PYTHON), only when that interpreter has torch. Never a dependency of the product.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess } from './run_process';

export const PYTHON = process.env.SPADE_PYTHON ?? '/usr/bin/python3';
/** Where torch_spade.py runs: cpu, or cuda on a GPU machine (scripts/bench_gpu.mjs sets it). */
export const TORCH_DEVICE = process.env.SPADE_TORCH_DEVICE ?? 'cpu';

/** bench/torch_spade.py beside the bundle's folder (dist/) or the source tree (src/cli/bench/). */
export function torchScript(): string | null {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const up of [['..'], ['..', '..', '..']]) {
    const p = path.join(here, ...up, 'bench', 'torch_spade.py');
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** The torch version, or why PyTorch cannot be used. */
export function torchStatus(): { ok: true; version: string } | { ok: false; reason: string } {
  if (!torchScript()) return { ok: false, reason: 'bench/torch_spade.py not found' };
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${PYTHON} not found` };
  if (r.status !== 0) return { ok: false, reason: `torch not installed for ${PYTHON} (apt-get install python3-torch)` };
  return { ok: true, version: r.stdout.trim() };
}

/** Runs torch_spade.py <mode> with args; resolves to its JSON result. */
export async function runTorch(mode: string, args: string[], timeoutS: number): Promise<Record<string, unknown>> {
  const script = torchScript();
  if (!script) throw new Error('bench/torch_spade.py not found');
  const r = await runProcess(PYTHON, [script, mode, ...args, '--device', TORCH_DEVICE], { timeoutS, keepStdout: true });
  if (r.code === 0) {
    try {
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    } catch {
      throw new Error(`torch_spade.py printed no JSON: ${r.stdout.slice(-200)}`);
    }
  }
  const last = r.stderrTail.trim().split('\n').pop() ?? '';
  throw new Error(r.timedOut ? `timed out after ${timeoutS} s` : last.replace(/^torch_spade: /, '') || `exit ${r.code}`);
}
