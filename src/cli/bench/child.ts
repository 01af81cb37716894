/**
 * Runs one measurement in a fresh Node process (this same CLI, `spade bench --worker <job>`)
 * and returns its result. A fresh process makes "cold" mean cold and keeps peak RSS per row.
 */
import * as fs from 'node:fs';
import type { Job, JobResult } from './measure';
import { runProcess } from './run_process';

export async function runWorker<R = JobResult>(job: Job, jobFile: string, timeoutS: number): Promise<R> {
  fs.writeFileSync(jobFile, JSON.stringify(job));
  const resultFile = `${jobFile}.result.json`;
  fs.rmSync(resultFile, { force: true });
  // Works from the bundle (dist/cli.js) and from source (node --import tsx src/cli/index.ts).
  const args = [...process.execArgv, process.argv[1], 'bench', '--worker', jobFile];
  // Measure a true first run: no Mesa shader cache from earlier processes.
  const env = { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true' };
  const r = await runProcess(process.execPath, args, { timeoutS, env });
  if (r.code === 0 && fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as R;
  const last = r.stderrTail.trim().split('\n').filter((l) => !/^\s+at /.test(l)).pop() ?? '';
  throw new Error(r.timedOut ? `timed out after ${timeoutS} s` : last.replace(/^spade: (internal error: )?/, '') || `exit ${r.code}`);
}
