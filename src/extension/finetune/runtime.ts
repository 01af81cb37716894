/**
 * Which JavaScript runtime runs `spade` (dist/cli.js): a `node` ≥ 20 on the PATH when there is
 * one, else VS Code's own runtime (`process.execPath`, Electron or the server's Node) with
 * ELECTRON_RUN_AS_NODE=1, so fine-tuning works on a machine with no Node installed.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NodeRuntime {
  /** Absolute path of the executable. */
  command: string;
  /** Variables to add to the child's environment. */
  env: Record<string, string>;
  /** Shown in the log: where the runtime came from. */
  source: 'PATH' | 'VS Code';
}

const MIN_NODE_MAJOR = 20;

/** The first executable `node` on `pathVar`, or undefined. */
export function nodeOnPath(pathVar: string | undefined, platform: NodeJS.Platform = process.platform): string | undefined {
  const names = platform === 'win32' ? ['node.exe'] : ['node'];
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would resolve against the workspace
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** The major version a node binary reports, or undefined when it does not run. */
export function nodeMajor(command: string, env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['--version'], { timeout: 10_000, env }, (err, stdout) => {
      const m = /^v(\d+)\./.exec(String(stdout).trim());
      resolve(err || !m ? undefined : Number(m[1]));
    });
  });
}

export async function pickNodeRuntime(
  env: NodeJS.ProcessEnv = process.env,
  execPath: string = process.execPath,
): Promise<NodeRuntime> {
  const onPath = nodeOnPath(env.PATH);
  if (onPath) {
    const major = await nodeMajor(onPath, env);
    if (major !== undefined && major >= MIN_NODE_MAJOR) return { command: onPath, env: {}, source: 'PATH' };
  }
  return { command: execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'VS Code' };
}
