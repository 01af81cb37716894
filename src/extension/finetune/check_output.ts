/**
 * Turns what `spade train --check` prints on stderr (one problem a line, each naming its file:
 * `<file>: <problem>`) into problems the Problems panel can show on the offending files.
 * Pure apart from the `exists` probe, so unit tests can feed it any text.
 */
import * as path from 'node:path';

export interface DatasetProblem {
  /** Absolute path of the file the problem is about; undefined when the line names none. */
  file?: string;
  message: string;
}

/** `bases`: folders a relative name may start from (the dataset folder, the CLI's working folder). */
export function parseCheckOutput(text: string, bases: string[], exists: (p: string) => boolean): DatasetProblem[] {
  const problems: DatasetProblem[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^spade: /, '').replace(/^\s*(?:[-*•]\s+)?/, '').trimEnd();
    if (!line) continue;
    const p = splitFile(line, bases, exists);
    // The list's heading (`<dataset>: 3 problems:`) and its closing line are not problems themselves.
    if (/^\d+ problems?:$/.test(p.message) || /\b\d+ problems? \(listed above\)$/.test(p.message)) continue;
    problems.push(p);
  }
  return problems;
}

/** The longest `<prefix>: ` that names an existing path wins, since file names may hold ": ". */
function splitFile(line: string, bases: string[], exists: (p: string) => boolean): DatasetProblem {
  for (let i = line.lastIndexOf(': '); i > 0; i = line.lastIndexOf(': ', i - 1)) {
    const name = line.slice(0, i);
    for (const candidate of path.isAbsolute(name) ? [name] : bases.map((b) => path.join(b, name))) {
      if (exists(candidate)) return { file: candidate, message: line.slice(i + 2) };
    }
  }
  return { message: line };
}
