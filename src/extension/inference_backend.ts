/**
 * The `spade.inferenceBackend` setting: which TF.js backend the preview's worker starts with
 * ('auto': a GPU backend on a hardware adapter, else wasm; webview/backend_order.ts). Read when a
 * preview opens; an open one keeps its backend.
 */
import * as vscode from 'vscode';
import { BACKEND_PREFERENCES, parseBackendPreference, type BackendPreference } from '../shared/protocol';

let warnedAbout: string | undefined;

/** The setting, or 'auto' (with `warn` told why, once per bad value) when it is not one of the choices. */
export function inferenceBackendSetting(warn: (message: string) => void): BackendPreference {
  const raw = vscode.workspace.getConfiguration('spade').get<unknown>('inferenceBackend', 'auto');
  const p = parseBackendPreference(raw);
  if (p) {
    warnedAbout = undefined;
    return p;
  }
  const shown = String(JSON.stringify(raw)).slice(0, 40);
  if (warnedAbout !== shown) warn(`SPADE: spade.inferenceBackend must be one of ${BACKEND_PREFERENCES.join(', ')}, not ${shown}; using auto`);
  warnedAbout = shown;
  return 'auto';
}
