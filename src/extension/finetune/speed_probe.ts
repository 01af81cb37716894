/**
 * The measured half of the fine-tune estimate: a real `spade train` of a few steps on the chosen
 * dataset, checkpoint, batch and backend, into a temporary folder that is removed afterwards.
 * Running the trainer itself (rather than `spade bench train`, whose step is a stand-in) times
 * exactly what the run will do, and its first line says which backend `auto` took and why.
 * Measurements are kept in globalState per backend, checkpoint and batch (SpeedCache).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NodeRuntime } from './runtime';
import { SpeedCache, measureFromProbe, type SpeedKey, type SpeedMeasure } from './speed_estimate';
import { trainArgv, type SpadeTaskDefinition } from './task_definition';

/** Steps the probe trains: the first compiles kernels and is not timed; the other two are. */
export const PROBE_STEPS = 3;

export interface ProbeDeps {
  context: vscode.ExtensionContext;
  cliPath: string;
  runtime(): Promise<NodeRuntime>;
  log: vscode.OutputChannel;
}

export type Estimate = { measure: SpeedMeasure; cached: boolean } | { measure: undefined; why: string };

function keyOf(def: SpadeTaskDefinition, cwd: string): SpeedKey {
  let checkpoint: SpeedKey['checkpoint'] = null;
  if (def.checkpoint !== undefined) {
    const file = path.resolve(cwd, def.checkpoint);
    try {
      const st = fs.statSync(file);
      checkpoint = { path: file, size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      checkpoint = { path: file, size: -1, mtimeMs: 0 };
    }
  }
  return { backend: def.backend ?? 'auto', checkpoint, batch: def.batch ?? 1, args: def.args };
}

/** The cached figure for this run, or a fresh probe (cancellable; a cancel skips the estimate). */
export async function estimateSpeed(deps: ProbeDeps, def: SpadeTaskDefinition, cwd: string): Promise<Estimate> {
  const cache = new SpeedCache(deps.context.globalState);
  const key = keyOf(def, cwd);
  const known = cache.get(key);
  if (known) return { measure: known, cached: true };
  const title = `SPADE: measuring the training speed (${PROBE_STEPS} steps on ${def.backend ?? 'auto'})…`;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_, token) => probe(deps, def, cwd, token),
  );
  if (!result.measure) return result;
  await cache.set(key, result.measure);
  return { measure: result.measure, cached: false };
}

async function probe(deps: ProbeDeps, def: SpadeTaskDefinition, cwd: string, token: vscode.CancellationToken): Promise<Estimate> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-probe-'));
  try {
    const probeDef: SpadeTaskDefinition = {
      ...def,
      out: path.join(tmp, 'run'),
      steps: PROBE_STEPS,
      resume: false,
      // Every step logged (timed); no checkpoint or sample until the last step, after its timing.
      args: [...(def.args ?? []), '--log_every=1', `--save_every=${PROBE_STEPS}`, `--sample_every=${PROBE_STEPS}`],
    };
    const argv = [deps.cliPath, ...trainArgv(probeDef, (p) => path.resolve(cwd, p))];
    const runtime = await deps.runtime();
    deps.log.appendLine(`speed probe: ${runtime.command} ${argv.map((a) => JSON.stringify(a)).join(' ')}`);
    const out = await new Promise<{ code: number; log: string }>((resolve) => {
      const child = execFile(
        runtime.command,
        argv,
        { cwd, env: { ...process.env, ...runtime.env }, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
        (err, stdout, stderr) => {
          const code = typeof (err as { code?: unknown } | null)?.code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
          resolve({ code, log: `${stdout}${stderr}` });
        },
      );
      token.onCancellationRequested(() => child.kill());
    });
    deps.log.appendLine(out.log);
    if (token.isCancellationRequested) return { measure: undefined, why: 'the speed measurement was cancelled' };
    let metrics = '';
    try {
      metrics = fs.readFileSync(path.join(probeDef.out, 'metrics.jsonl'), 'utf8');
    } catch {
      /* reported below */
    }
    const measure = measureFromProbe(metrics, out.log, Date.now());
    if (!measure) {
      const last = out.log.trim().split('\n').pop() ?? '';
      return { measure: undefined, why: `the speed probe failed (exit code ${out.code}): ${last.slice(0, 200)}` };
    }
    return { measure, cached: false };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
