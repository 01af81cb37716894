/**
 * The host's side of the Styles panel: it reads style images and `.spade-style.json` files
 * (the webview never touches the file system), validates them, and writes what the panel
 * saves, atomically, next to the mask.
 */
import * as vscode from 'vscode';
import { uriExists } from './uri_exists';
import { decodeStyleImage } from '../model/io/style_image';
import { checkStyleFileSize, parseStyleFile, serializeStyleFile } from '../model/io/style_file';
import type { LoadedStyle, StylePixels } from '../shared/protocol';
import type { Panel } from './panel';
import { writeAtomic } from './fs_atomic';
import { maxPixelsSetting } from './max_pixels';

/** Decoded pixels travel as float32 in one message: keep them to a size a webview takes easily. */
const MAX_STYLE_PIXELS = 2048 * 2048;

const baseName = (uri: vscode.Uri) => uri.path.split('/').pop() ?? uri.toString();

/** `<stem>` of the mask: `sea.label.png` -> `sea`. */
export function maskStem(mask: vscode.Uri): string {
  return baseName(mask).replace(/(\.label)?\.png$/i, '');
}

export function styleSetUri(mask: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(mask, '..', `${maskStem(mask)}.spade-style.json`);
}

/** Path of `target` relative to the folder `from` (posix), for a style's `source`. */
export function relativePath(from: vscode.Uri, target: vscode.Uri): string {
  const a = from.path.split('/').filter(Boolean);
  const b = target.path.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

async function readPixels(uri: vscode.Uri): Promise<StylePixels> {
  const name = uri.scheme === 'file' ? uri.fsPath : uri.toString();
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch {
    throw new Error(`${name}: style image not found or not readable`);
  }
  const maxPixels = maxPixelsSetting((text) => void vscode.window.showWarningMessage(text));
  const img = decodeStyleImage(bytes, name, maxPixels); // SpadeInputError naming the file when it is bad
  if (img.width * img.height > MAX_STYLE_PIXELS) throw new Error(`${name}: style image is ${img.width}x${img.height}; the Styles panel takes up to 2048x2048 (scale it down)`);
  return { width: img.width, height: img.height, data: img.data };
}

/** Picks (or takes) style images, decodes each and sends its pixels to the panel. */
export async function addStyleImages(panel: Panel, uris?: vscode.Uri[]): Promise<void> {
  const picked =
    uris ??
    (await vscode.window.showOpenDialog({
      canSelectMany: true,
      filters: { Images: ['png', 'jpg', 'jpeg'] },
      defaultUri: vscode.Uri.joinPath(panel.document.uri, '..'),
      title: 'Style images to compare',
    }));
  for (const uri of picked ?? []) {
    try {
      const image = await readPixels(uri);
      const source = relativePath(vscode.Uri.joinPath(panel.document.uri, '..'), uri);
      panel.post({ type: 'styleImageData', name: baseName(uri).replace(/\.(png|jpe?g)$/i, ''), source, image });
    } catch (e) {
      panel.post({ type: 'error', message: (e as Error).message });
    }
  }
}

/**
 * Images dropped on the panel: the webview names them by URI, so the host checks each one is
 * a PNG or JPEG inside a workspace folder before it reads anything.
 */
export async function addDroppedImages(panel: Panel, uris: string[]): Promise<void> {
  const ok: vscode.Uri[] = [];
  for (const u of uris) {
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(u, true);
    } catch {
      panel.post({ type: 'error', message: `dropped item is not a file URI: ${u.slice(0, 200)}` });
      continue;
    }
    const inside = (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === uri.scheme && f.uri.authority === uri.authority && `${uri.path}/`.startsWith(`${f.uri.path.replace(/\/$/, '')}/`) && !uri.path.split('/').includes('..'));
    if (!inside) panel.post({ type: 'error', message: `${uri.fsPath}: style images must be inside the workspace` });
    else if (!/\.(png|jpe?g)$/i.test(uri.path)) panel.post({ type: 'error', message: `${uri.fsPath}: style images must be PNG or JPEG files` });
    else ok.push(uri);
  }
  if (ok.length) await addStyleImages(panel, ok);
}

/** Validates the panel's set and writes it as `<stem>.spade-style.json` next to the mask. */
export async function saveStyleSet(panel: Panel, text: string): Promise<vscode.Uri | undefined> {
  const target = styleSetUri(panel.document.uri);
  try {
    const file = parseStyleFile(text, baseName(target));
    await writeAtomic(target, new TextEncoder().encode(serializeStyleFile(file)));
    void vscode.window.showInformationMessage(`SPADE: saved ${file.styles.length} style${file.styles.length === 1 ? '' : 's'} to ${baseName(target)}`);
    return target;
  } catch (e) {
    panel.post({ type: 'error', message: `cannot save the styles: ${(e as Error).message}` });
    return undefined;
  }
}

/** Reads `<stem>.spade-style.json` (or a picked one), with each style's image where it can. */
export async function loadStyleSet(panel: Panel, uri?: vscode.Uri): Promise<void> {
  let target = uri ?? styleSetUri(panel.document.uri);
  const found = await uriExists(target);
  if (!found) {
    const picked = uri
      ? undefined
      : await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'SPADE styles': ['json'] }, defaultUri: vscode.Uri.joinPath(target, '..'), title: 'Style set (.spade-style.json)' });
    if (!picked?.[0]) {
      if (uri) panel.post({ type: 'error', message: `${target.fsPath}: style set not found` });
      return;
    }
    target = picked[0];
  }
  try {
    // Size first: a huge file is refused before it is read into memory or parsed.
    checkStyleFileSize((await vscode.workspace.fs.stat(target)).size, baseName(target));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(await vscode.workspace.fs.readFile(target));
    const file = parseStyleFile(text, baseName(target));
    const folder = vscode.Uri.joinPath(target, '..');
    const styles: LoadedStyle[] = [];
    for (const s of file.styles) {
      let image: StylePixels | undefined;
      // The thumbnail is a convenience: a missing or moved image leaves the code usable.
      if (/\.(png|jpe?g)$/i.test(s.source)) image = await readPixels(vscode.Uri.joinPath(folder, s.source)).catch(() => undefined);
      styles.push({ name: s.name, source: s.source, mu: s.mu, logvar: s.logvar, image });
    }
    panel.post({ type: 'styleSet', fileName: baseName(target), styles, zDim: file.z_dim, checkpoint: file.checkpoint });
  } catch (e) {
    panel.post({ type: 'error', message: (e as Error).message });
  }
}

/** Writes interpolation frames as `<stem>.<label>_<k>.png` (and `<stem>.<label>_anim.png`) next to the mask. */
export async function exportFrames(panel: Panel, label: string, pngs: Uint8Array[], apng?: Uint8Array): Promise<vscode.Uri[]> {
  const stem = maskStem(panel.document.uri);
  const digits = String(pngs.length - 1).length;
  const out: vscode.Uri[] = [];
  for (let k = 0; k < pngs.length; k++) {
    const uri = vscode.Uri.joinPath(panel.document.uri, '..', `${stem}.${label}_${String(k).padStart(digits, '0')}.png`);
    await writeAtomic(uri, pngs[k]);
    out.push(uri);
  }
  if (apng) {
    const uri = vscode.Uri.joinPath(panel.document.uri, '..', `${stem}.${label}_anim.png`);
    await writeAtomic(uri, apng);
    out.push(uri);
  }
  void vscode.window.showInformationMessage(`SPADE: wrote ${pngs.length} frames (${stem}.${label}_*.png)${apng ? ` and ${stem}.${label}_anim.png` : ''}`);
  return out;
}
