// One build for all three bundles: the VS Code host, the webview and the CLI.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'es2022' };
const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  // The host's first-picture render thread: TF.js on wasm in a Node worker thread (ESM entries, as for the CLI).
  { ...common, entryPoints: ['src/extension/first_picture/render_worker.ts'], outfile: 'dist/first_picture.js', platform: 'node', format: 'cjs', mainFields: ['module', 'main'] },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
  { ...common, entryPoints: ['src/webview/run_view/main.ts'], outfile: 'dist/run_view.js', platform: 'browser', format: 'iife' },
  { ...common, entryPoints: ['src/webview/worker.ts'], outfile: 'dist/worker.js', platform: 'browser', format: 'iife' },
  // webgpu (Dawn) is an ES module that loads a native addon; playwright-core is only for `bench --browser`.
  // ESM entries ('module'): the tfjs backends' CJS 'main' files are not in their sideEffects
  // lists, so esbuild dropped the cpu backend's registration from the bundle.
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external: ['webgpu', 'playwright-core'], mainFields: ['module', 'main'] },
  { ...common, entryPoints: ['src/bench/page.ts'], outfile: 'dist/bench_page.js', platform: 'browser', format: 'iife' },
  { ...common, entryPoints: ['test/vscode/suite/index.ts'], outfile: 'dist/test/suite/index.js', platform: 'node', format: 'cjs', external: ['vscode', 'mocha'] },
];

fs.mkdirSync('dist', { recursive: true });
// The wasm backend loads its binaries from beside the bundle.
const wasmDir = path.join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasmDir, f), path.join('dist', f));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync('dist/cli.js', 0o755);
}
