/**
 * Validates a dataset before a run starts, with the CLI's own checker (`spade train --check`),
 * so the editor and the terminal agree on what a problem is. Problems go to the Problems panel
 * on the files they name; lines that name no file go on the dataset folder.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { parseCheckOutput, type DatasetProblem } from './check_output';
import type { NodeRuntime } from './runtime';

export interface CheckResult {
  /** 0: clean; 2: problems; anything else: the check itself failed. */
  code: number;
  problems: DatasetProblem[];
  output: string;
}

export function runDatasetCheck(
  runtime: NodeRuntime,
  cliPath: string,
  argv: string[],
  opts: { cwd: string; dataDir: string; token?: vscode.CancellationToken },
): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      runtime.command,
      [cliPath, ...argv],
      { cwd: opts.cwd, env: { ...process.env, ...runtime.env }, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (opts.token?.isCancellationRequested) return reject(new vscode.CancellationError());
        const code = typeof (err as { code?: unknown } | null)?.code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
        const output = `${stdout}${stderr}`;
        // stdout says what was checked; the problems, one a line, are on stderr.
        const problems = code === 2 ? parseCheckOutput(String(stderr), [opts.dataDir, opts.cwd], (p) => fs.existsSync(p)) : [];
        resolve({ code, problems, output });
      },
    );
    opts.token?.onCancellationRequested(() => child.kill());
  });
}

/** Puts the problems on their files, replacing those of the previous check. */
export function showProblems(collection: vscode.DiagnosticCollection, problems: DatasetProblem[], dataDir: vscode.Uri): void {
  collection.clear();
  const byFile = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
  for (const p of problems) {
    const uri = p.file ? vscode.Uri.file(p.file) : dataDir;
    const entry = byFile.get(uri.toString()) ?? { uri, list: [] };
    const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), p.message, vscode.DiagnosticSeverity.Error);
    d.source = 'spade train --check';
    entry.list.push(d);
    byFile.set(uri.toString(), entry);
  }
  for (const { uri, list } of byFile.values()) collection.set(uri, list);
}
