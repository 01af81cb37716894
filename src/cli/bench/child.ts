/**
 * Runs one measurement in a fresh Node process (this same CLI, `spade bench --worker <job>`)
 * and returns its result. A fresh process makes "cold" mean cold and keeps peak RSS per row.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Job, JobResult } from './measure';

export function runWorker(job: Job, jobFile: string, timeoutS: number): Promise<JobResult> {
  fs.writeFileSync(jobFile, JSON.stringify(job));
  const resultFile = `${jobFile}.result.json`;
  fs.rmSync(resultFile, { force: true });
  // Works from the bundle (dist/cli.js) and from source (node --import tsx src/cli/index.ts).
  const args = [...process.execArgv, process.argv[1], 'bench', '--worker', jobFile];
  // Measure a true first run: no Mesa shader cache from earlier processes.
  const env = { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && fs.existsSync(resultFile)) {
        resolve(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as JobResult);
        return;
      }
      const last = stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l)).pop() ?? '';
      reject(new Error(signal === 'SIGKILL' ? `timed out after ${timeoutS} s` : last.replace(/^spade: (internal error: )?/, '') || `exit ${code}`));
    });
  });
}
