/**
 * The import graph of a source tree, read from the files' text (static imports and re-exports,
 * type-only ones included, dynamic import() and require()), and the layering rules it must keep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Graph = Map<string, string[]>;

const SPEC = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=,])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** Each file under `root` (relative, with '/') and the files it imports; package imports are left out. */
export function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sources(root)) {
    const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    const deps = new Set<string>();
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (!spec.startsWith('.')) continue;
      const target = resolve(file, spec);
      if (!target) throw new Error(`${path.relative(root, file)}: cannot resolve '${spec}'`);
      deps.add(path.relative(root, target).split(path.sep).join('/'));
    }
    graph.set(path.relative(root, file).split(path.sep).join('/'), [...deps].sort());
  }
  return graph;
}

/**
 * Which top-level folder may import which. model is the base and imports nothing outside itself;
 * shared (the protocol) is the one bridge between extension and webview; neither of those two
 * imports the other, and nothing imports the CLI.
 */
export const ALLOWED: Record<string, readonly string[]> = {
  model: ['model'],
  shared: ['shared', 'model'],
  webview: ['webview', 'shared', 'model'],
  extension: ['extension', 'shared', 'model'],
  bench: ['bench', 'webview', 'shared', 'model'],
  cli: ['cli', 'bench', 'shared', 'model'],
};

const layer = (file: string): string => file.split('/')[0];

/** One line per import that crosses the layers the wrong way. */
export function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    const allowed = ALLOWED[layer(file)];
    if (!allowed) {
      out.push(`${file}: in no known layer (${Object.keys(ALLOWED).join(', ')})`);
      continue;
    }
    for (const d of deps) if (!allowed.includes(layer(d))) out.push(`${file} imports ${d}: ${layer(file)} may not import ${layer(d)}`);
  }
  return out;
}

/** Every import cycle, each as the files around it (a -> b -> a), found by Tarjan's strongly connected components. */
export function importCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
