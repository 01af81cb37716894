/**
 * The webview page: a strict CSP with a fresh nonce (scripts only by nonce, no eval, no
 * inline handlers, no remote loads). The UI builds itself from dist/webview.js; the worker
 * script is fetched from its webview URI and started from a blob (webviews refuse
 * cross-origin Worker URLs).
 */
import * as vscode from 'vscode';

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
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, testHooks = false): string {
  const nonce = makeNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const worker = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js'));
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} blob: data:`,
    `style-src ${src} 'nonce-${nonce}'`,
    `font-src ${src}`,
    `script-src 'nonce-${nonce}'`,
    'worker-src blob:',
    `connect-src ${src}`,
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
<body data-worker-uri="${worker}" data-nonce="${nonce}"${testHooks ? ' data-test-hooks="1"' : ''}>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
