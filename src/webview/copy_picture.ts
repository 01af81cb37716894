/**
 * The picture to the system clipboard from the webview: the async Clipboard API with an
 * image/png ClipboardItem. VS Code's webview iframes allow `clipboard-write` (not in Firefox),
 * and Chromium writes only from a focused document; the extension host's vscode.env.clipboard
 * holds text only, so this is the one way to copy an image. Answers why it failed, or undefined.
 */
export async function copyPngToClipboard(png: Uint8Array): Promise<string | undefined> {
  if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) {
    return 'this webview has no image clipboard (navigator.clipboard.write with ClipboardItem)';
  }
  try {
    const blob = new Blob([new Uint8Array(png)], { type: 'image/png' });
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
    return undefined;
  } catch (e) {
    const err = e as Error;
    return `${err.name ?? 'Error'}: ${err.message ?? String(e)}`;
  }
}
