/** Running the built CLI (dist/cli.js) from tests, and the shape of a bad-input failure. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `spade <args>` in a child process; `timeoutMs` guards against a hang, it is not a speed check. */
export function runSpade(args: string[], timeoutMs: number, nodeArgs: string[] = []): CliResult {
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2 with exactly one line on stderr that names `file` and matches `re`, and no stack trace. */
export function assertBadInput(r: CliResult, file: string, re: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.ok(lines[0].includes(file), `names ${file}: ${lines[0]}`);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\s+at\s.+:\d+:\d+/, 'no stack trace');
}
