/**
 * The worker side of the guarded fuzz runs. Each input is one "case": the worker announces it,
 * runs the reader, and reports how it ended. The parent (guard.ts) kills the worker when a case
 * runs past its time guard, so a hang is caught and named instead of stalling the suite.
 *
 * A case ends one of three ways:
 *   accepted: the reader returned (the input happened to be valid);
 *   clean:    a SpadeInputError whose one-line message starts with `<file>: `;
 *   unclean:  anything else (another exception type, a multi-line message, no file name).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SpadeInputError } from '../../src/model/errors';

export type Outcome = 'accepted' | 'clean' | 'unclean';

export type WorkerMessage =
  | { t: 'start'; name: string }
  | { t: 'end'; name: string; outcome: Outcome; detail: string }
  | { t: 'failure'; detail: string }
  | { t: 'done' };

export interface WorkerInput {
  suite: string;
  /** Folder the hostile payloads would write into if anything ever executed them. */
  markerDir: string;
  /** fast-check runs per property. */
  numRuns: number;
  seed: number;
}

export const input = workerData as WorkerInput;

function post(m: WorkerMessage): void {
  parentPort!.postMessage(m);
}

/** Classifies what `fn` did with one hostile input named `fileName`. */
export function classify(fn: () => unknown, fileName: string): { outcome: Outcome; detail: string } {
  try {
    fn();
    return { outcome: 'accepted', detail: '' };
  } catch (e) {
    if (!(e instanceof SpadeInputError)) {
      return { outcome: 'unclean', detail: `${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e).slice(0, 300)}` };
    }
    if (e.message.includes('\n')) return { outcome: 'unclean', detail: `multi-line message: ${JSON.stringify(e.message.slice(0, 300))}` };
    // `file: problem`, or `file (part): problem` for a part of it (e.g. a checkpoint's metadata.config).
    if (!e.message.startsWith(`${fileName}: `) && !e.message.startsWith(`${fileName} (`)) return { outcome: 'unclean', detail: `message does not start with the file name: ${e.message.slice(0, 300)}` };
    return { outcome: 'clean', detail: e.message };
  }
}

/**
 * Runs one case. Returns true unless it ended unclean, so it can be a fast-check predicate.
 * `expect`, when given, must match the clean error (a case that must be refused).
 */
export function runCase(name: string, fileName: string, fn: () => unknown, expect?: RegExp): boolean {
  post({ t: 'start', name });
  let { outcome, detail } = classify(fn, fileName);
  if (expect && outcome !== 'clean') {
    detail = `expected a refusal matching ${expect}, got ${outcome}${detail ? `: ${detail}` : ''}`;
    outcome = 'unclean';
  } else if (expect && !expect.test(detail)) {
    detail = `refusal does not match ${expect}: ${detail}`;
    outcome = 'unclean';
  }
  post({ t: 'end', name, outcome, detail });
  return outcome !== 'unclean';
}

/** A failure that is not one case (e.g. a round trip that decoded wrong values). */
export function reportFailure(detail: string): void {
  post({ t: 'failure', detail });
}

export function finish(): void {
  post({ t: 'done' });
}
