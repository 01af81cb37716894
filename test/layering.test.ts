// The layers of src/ (model -> shared -> extension / webview -> bench -> cli) and no import cycles,
// read from the imports themselves; and the checker catches a violation planted in a scratch tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importCycles, importGraph, layerViolations } from './helpers/import_graph';
import { ROOT } from './helpers/paths';

test('src/ keeps its layers and has no import cycle', () => {
  const graph = importGraph(path.join(ROOT, 'src'));
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  assert.ok(graph.get('cli/commands/synth.ts')?.includes('model/io/npy.ts'), 'imports are read');
  assert.deepEqual(layerViolations(graph), []);
  assert.deepEqual(importCycles(graph), []);
});

test('a planted violation and a planted cycle are reported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-layers-'));
  try {
    const put = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    put('model/a.ts', "import { run } from '../cli/main';\nexport const a = run;\n");
    put('cli/main.ts', "export const run = 1;\n");
    put('webview/app.ts', "import type { X } from '../extension/x';\nexport type Y = X;\n");
    put('extension/x.ts', "export type X = number;\nexport const lazy = () => import('./y');\n");
    put('extension/y.ts', "export * from './x';\n");
    put('shared/p.ts', "// import '../cli/main' in a comment is not an import\nexport {};\n");
    const graph = importGraph(dir);
    assert.deepEqual(layerViolations(graph), [
      'model/a.ts imports cli/main.ts: model may not import cli',
      'webview/app.ts imports extension/x.ts: webview may not import extension',
    ]);
    assert.deepEqual(importCycles(graph), [['extension/x.ts', 'extension/y.ts']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
