/**
 * The `spade.maxPixels` setting, validated once for every reader on the host and in the webview:
 * label maps, style images for the preview and for the Styles panel.
 */
import * as vscode from 'vscode';
import { DEFAULT_MAX_PIXELS } from '../model/io/png_scan';
import { parseMaxPixels } from '../shared/protocol';

/** The bad value last warned about: every reader asks, the user hears about it once. */
let warnedAbout: string | undefined;

/**
 * The setting's value, or the default (with `warn` told why, once per bad value) when it is not a
 * positive integer: settings.json is hand-edited, and a string or 0 there must not turn the limit off.
 */
export function maxPixelsSetting(warn: (message: string) => void): number {
  const raw = vscode.workspace.getConfiguration('spade').get<unknown>('maxPixels', DEFAULT_MAX_PIXELS);
  const n = parseMaxPixels(raw);
  if (n !== null) {
    warnedAbout = undefined;
    return n;
  }
  const shown = String(JSON.stringify(raw)).slice(0, 40);
  if (warnedAbout !== shown) warn(`SPADE: spade.maxPixels must be a whole number from 1 to 4294967296, not ${shown}; using ${DEFAULT_MAX_PIXELS} (4096x4096)`);
  warnedAbout = shown;
  return DEFAULT_MAX_PIXELS;
}
