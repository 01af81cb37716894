/**
 * Webview entry (browser, iife): styles, toolkit controls, the editor (`App`), the
 * inference worker, then `ready` to the host, which answers with `init`.
 *
 * The host page: <body data-worker-uri="…dist/worker.js" data-backend="auto" data-nonce="…"><div id="app"></div>
 * <script nonce="…" src="…dist/webview.js"></script></body>, under a CSP without
 * 'unsafe-inline' or 'unsafe-eval' (worker-src blob:, connect-src for the worker and .wasm fetches,
 * 'wasm-unsafe-eval' to compile the wasm backend).
 */
// First: it must run before the toolkit's modules do.
import './csp_nonce';
import { WASM_FILES, parseBackendPreference } from '../shared/protocol';
import { App } from './app';
import { installStyles } from './styles';
import { registerControls } from './ui';
import type { UiState } from './ui_state';
import { connectHost } from './vscode_api';

function boot(): void {
  installStyles();
  registerControls();
  const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
  root.id = 'app';
  const host = connectHost<UiState>();
  const app = new App(root, host);
  host.onMessage((m) => app.handle(m));
  // data-backend: spade.inferenceBackend, validated by the host ('auto' otherwise).
  const { workerUri, backend, wasmFiles } = document.body.dataset;
  app.startWorker(workerUri, parseBackendPreference(backend) ?? 'auto', parseWasmFiles(wasmFiles));
  // For E2E tests: exercise the GPU fallback without a real driver failure. Only on pages the host
  // marked, which it does only when its environment has SPADE_TEST_HOOKS=1. Even then the hook is
  // a property of this webview's own window: the workbench is another origin, the CSP runs only
  // our nonce'd script, so only a browser driven by a test (devtools protocol) can call it.
  if (document.body.dataset.testHooks === '1') {
    (globalThis as { __spadeDebug?: unknown }).__spadeDebug = { loseGpu: () => app.debugLoseGpu(), traces: () => app.traces() };
  }
  host.post({ type: 'ready' });
}


/** data-wasm-files: {file name: URI} for WASM_FILES; what is missing makes wasm fail to start, saying which. */
function parseWasmFiles(json: string | undefined): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(json ?? '');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const f of WASM_FILES) {
    const u = (v as Record<string, unknown> | null)?.[f];
    if (typeof u === 'string') out[f] = u;
  }
  return out;
}

boot();
