/**
 * The `spade` task type (package.json `taskDefinitions`): its properties mirror the flags of
 * `spade train`. A definition comes from tasks.json, which is user input like any file, so it
 * is validated here before anything runs. Pure: no vscode, no fs, so unit tests can reach it.
 */
import * as path from 'node:path';
import { SpadeInputError } from '../../model/errors';

export const TASK_TYPE = 'spade';
/** auto: webgpu on a hardware adapter, else wasm (spade train's default). */
export const BACKENDS = ['webgpu', 'wasm', 'cpu', 'auto'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface SpadeTaskDefinition {
  type: typeof TASK_TYPE;
  data: string;
  out: string;
  checkpoint?: string;
  opt?: string;
  steps?: number;
  batch?: number;
  backend?: Backend;
  resume?: boolean;
  /** Extra `spade train` flags (NVlabs options), one argument each: `--lr=0.0001`, `--no_flip`. */
  args?: string[];
}

const PATHS = ['data', 'out', 'checkpoint', 'opt'] as const;
const COUNTS = ['steps', 'batch'] as const;
const KNOWN = new Set<string>(['type', ...PATHS, ...COUNTS, 'backend', 'resume', 'args']);
/** Flags that have their own property (or that would change what the task does) stay out of `args`. */
const RESERVED_FLAGS = new Set(['data', 'out', 'checkpoint', 'opt', 'steps', 'batch', 'backend', 'resume', 'check', 'help']);
const FLAG = /^--([A-Za-z][A-Za-z0-9_]*)(=.*)?$/s;

/** Checks a task definition; throws SpadeInputError naming `where` (e.g. tasks.json) and the property. */
export function parseTaskDefinition(raw: unknown, where: string): SpadeTaskDefinition {
  const fail = (msg: string): never => {
    throw new SpadeInputError(`spade task: ${msg}`, where);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('the definition must be an object');
  const o = raw as Record<string, unknown>;
  if (o.type !== TASK_TYPE) fail(`"type" must be "${TASK_TYPE}"`);
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length) fail(`unknown propert${unknown.length > 1 ? 'ies' : 'y'} ${unknown.map((k) => `"${k}"`).join(', ')} (put NVlabs flags in "args")`);

  const def: SpadeTaskDefinition = { type: TASK_TYPE, data: '', out: '' };
  for (const k of PATHS) {
    const v = o[k];
    if (v === undefined && (k === 'checkpoint' || k === 'opt')) continue;
    if (typeof v !== 'string' || v.trim() === '') fail(`"${k}" must be a non-empty path string${v === undefined ? ' (it is required)' : ''}`);
    if ((v as string).includes('\0')) fail(`"${k}" contains a NUL character`);
    def[k] = v as string;
  }
  if (def.opt !== undefined && def.checkpoint === undefined) fail('"opt" belongs to a "checkpoint" (an NVlabs .pth); give both');
  for (const k of COUNTS) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(`"${k}" must be a positive integer (got ${JSON.stringify(v)})`);
    def[k] = v as number;
  }
  if (o.backend !== undefined) {
    if (!BACKENDS.includes(o.backend as Backend)) fail(`"backend" must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(o.backend)})`);
    def.backend = o.backend as Backend;
  }
  if (o.resume !== undefined) {
    if (typeof o.resume !== 'boolean') fail(`"resume" must be true or false (got ${JSON.stringify(o.resume)})`);
    def.resume = o.resume as boolean;
  }
  if (o.args !== undefined) {
    if (!Array.isArray(o.args)) fail('"args" must be an array of strings');
    def.args = (o.args as unknown[]).map((a, i) => {
      if (typeof a !== 'string') return fail(`"args"[${i}] must be a string (got ${JSON.stringify(a)})`);
      const m = FLAG.exec(a);
      if (!m) return fail(`"args"[${i}] must be one flag starting with -- (like "--lr=0.0001"), got ${JSON.stringify(a)}`);
      if (RESERVED_FLAGS.has(m[1])) return fail(`"args"[${i}]: use the "${m[1]}" property instead of ${a.split('=')[0]}`);
      if (a.includes('\0')) return fail(`"args"[${i}] contains a NUL character`);
      return a;
    });
  }
  return def;
}

/**
 * The argument vector after the CLI script: every value is its own element, so a path such as
 * `x"; rm -rf ~; "` reaches `spade train` as a path (the task runs it without a shell).
 * `resolve` turns the definition's (possibly workspace-relative) paths into absolute ones.
 */
export function trainArgv(def: SpadeTaskDefinition, resolve: (p: string) => string = (p) => p): string[] {
  const argv = ['train', '--data', resolve(def.data), '--out', resolve(def.out)];
  if (def.checkpoint !== undefined) argv.push('--checkpoint', resolve(def.checkpoint));
  if (def.opt !== undefined) argv.push('--opt', resolve(def.opt));
  if (def.steps !== undefined) argv.push('--steps', String(def.steps));
  if (def.batch !== undefined) argv.push('--batch', String(def.batch));
  if (def.backend !== undefined) argv.push('--backend', def.backend);
  if (def.resume) argv.push('--resume');
  argv.push(...(def.args ?? []));
  return argv;
}

/** The same flags for a dataset check (`--check`): what the data must fit is the base checkpoint's model. */
export function checkArgv(def: SpadeTaskDefinition, resolve: (p: string) => string = (p) => p): string[] {
  const argv = ['train', '--check', '--data', resolve(def.data)];
  if (def.checkpoint !== undefined) argv.push('--checkpoint', resolve(def.checkpoint));
  if (def.opt !== undefined) argv.push('--opt', resolve(def.opt));
  argv.push(...(def.args ?? []));
  return argv;
}

/**
 * Resolves a definition path against the task's workspace folder. `${workspaceFolder}` is
 * replaced here, so the run monitor knows the real folder; relative paths start at the folder.
 */
export function resolveTaskPath(p: string, folder: string): string {
  const expanded = p.replace(/^\$\{workspaceFolder\}/, folder);
  return path.resolve(folder, expanded);
}
