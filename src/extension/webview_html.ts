/**
 * The webview page: a strict CSP with a fresh nonce (scripts only by nonce, no eval, no
 * inline handlers, no remote loads). The UI builds itself from dist/webview.js; the worker
 * script is fetched from its webview URI and started from a blob (webviews refuse
 * cross-origin Worker URLs); the wasm backend's binaries come from dist/ beside it.
 */
import * as vscode from 'vscode';
import { WASM_FILES, type BackendPreference } from '../shared/protocol';

export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/**
 * `testHooks` adds `data-test-hooks` to the page, which makes the webview expose its E2E
 * hooks (`__spadeDebug`, see src/webview/main.ts). Only the E2E harness turns it on, through
 * the extension host's environment (SPADE_TEST_HOOKS=1): no setting, workspace file or
 * message can.
 */
export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  backend: BackendPreference,
  testHooks = false,
): string {
  const nonce = makeNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const worker = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js'));
  const wasmFiles = Object.fromEntries(
    WASM_FILES.map((f) => [f, webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', f)).toString()]),
  );
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} blob: data:`,
    `style-src ${src} 'nonce-${nonce}'`,
    `font-src ${src}`,
    // 'wasm-unsafe-eval' lets the worker compile tfjs-backend-wasm's binary; it allows no JS eval.
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    'worker-src blob:',
    // blob: for the wasm binaries, which the page fetches and hands to its worker as blob: URLs.
    `connect-src ${src} blob:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>SPADE Label Map</title>
</head>
<body data-worker-uri="${worker}" data-backend="${backend}" data-wasm-files="${escapeAttr(JSON.stringify(wasmFiles))}" data-nonce="${nonce}"${testHooks ? ' data-test-hooks="1"' : ''}>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
