/**
 * Runs a fuzz suite (test/robustness/suites/<name>.ts) in a worker thread with a time guard on
 * every case: readers are synchronous, so a hang could not be interrupted from inside the same
 * thread. The guard is generous (the machines are shared); it exists to catch hangs, it is not a
 * performance assertion. Also counts what the hostile payloads would have created.
 */
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerInput, WorkerMessage } from './cases';

export const CASE_GUARD_MS = 30_000;
/** What the payloads in test/fixtures/bad (make_bad.py) would create if anything ran them. */
export const CORPUS_MARKER = '/tmp/spade_studio_pth_pwned';

export interface Tally {
  tried: number;
  clean: number;
  accepted: number;
  unclean: string[];
  hangs: string[];
  codeExecuted: string[];
  failures: string[];
}

export function emptyTally(): Tally {
  return { tried: 0, clean: 0, accepted: 0, unclean: [], hangs: [], codeExecuted: [], failures: [] };
}

export function addTally(into: Tally, t: Tally): void {
  into.tried += t.tried;
  into.clean += t.clean;
  into.accepted += t.accepted;
  into.unclean.push(...t.unclean);
  into.hangs.push(...t.hangs);
  into.codeExecuted.push(...t.codeExecuted);
  into.failures.push(...t.failures);
}

export function formatTally(label: string, t: Tally): string {
  return `${label}: inputs tried ${t.tried}, clean errors ${t.clean}, accepted as valid ${t.accepted}, ` +
    `unclean ${t.unclean.length}, hangs ${t.hangs.length}, code executed ${t.codeExecuted.length}`;
}

/** A fresh folder for payload markers: hostile inputs would `touch` files in it if they ran. */
export function markerDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'spade-pwned-'));
}

/** Files the payloads created: each one is code that ran. */
export function executed(dir: string): string[] {
  const made = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
  return fs.existsSync(CORPUS_MARKER) ? [...made, CORPUS_MARKER] : made;
}

export function runSuite(suite: string, opts: { numRuns: number; seed: number }): Promise<Tally> {
  const markers = markerDir();
  fs.rmSync(CORPUS_MARKER, { force: true });
  const tally = emptyTally();
  const data: WorkerInput = { suite, markerDir: markers, numRuns: opts.numRuns, seed: opts.seed };
  const worker = new Worker(path.join(__dirname, 'boot.mjs'), {
    workerData: { ...data, entry: pathToFileURL(path.join(__dirname, 'suites', `${suite}.ts`)).href },
  });
  let current: { name: string; since: number } | undefined;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (why?: string) => {
      if (why) tally.failures.push(why);
      if (settled) return;
      settled = true;
      clearInterval(timer);
      tally.codeExecuted.push(...executed(markers));
      fs.rmSync(markers, { recursive: true, force: true });
      resolve(tally);
    };
    const timer = setInterval(() => {
      if (current && Date.now() - current.since > CASE_GUARD_MS) {
        tally.tried++;
        tally.hangs.push(`${suite}: ${current.name} (still running after ${CASE_GUARD_MS / 1000} s)`);
        current = undefined;
        void worker.terminate();
      }
    }, 250);
    worker.on('message', (m: WorkerMessage) => {
      if (m.t === 'start') current = { name: m.name, since: Date.now() };
      else if (m.t === 'end') {
        current = undefined;
        tally.tried++;
        if (m.outcome === 'clean') tally.clean++;
        else if (m.outcome === 'accepted') tally.accepted++;
        else tally.unclean.push(`${suite}: ${m.name}: ${m.detail}`);
      } else if (m.t === 'failure') tally.failures.push(`${suite}: ${m.detail}`);
      else if (m.t === 'done') void worker.terminate();
    });
    worker.on('error', (e) => finish(`${suite}: worker crashed: ${e.stack ?? e.message}`));
    worker.on('exit', () => finish());
  });
}
