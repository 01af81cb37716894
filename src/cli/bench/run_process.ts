/**
 * A child process with a time limit, for the bench's workers: its exit, its stdout (when
 * kept) and the last 4000 characters of its stderr. A process past the limit is SIGKILLed.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderrTail: string;
}

export function runProcess(
  cmd: string,
  args: string[],
  opts: { timeoutS: number; env?: NodeJS.ProcessEnv; keepStdout?: boolean },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', opts.keepStdout ? 'pipe' : 'ignore', 'pipe'], env: opts.env });
    let stdout = '';
    let stderrTail = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, timedOut: signal === 'SIGKILL', stdout, stderrTail });
    });
  });
}
