/// <reference types="mocha" />
/**
 * What the preview hands out and takes in, in a real extension host with a real webview rendering
 * in Chromium: SPADE: Export Synthesized Image (a PNG of the model's size next to the mask, named
 * for its style, and a question before it overwrites one; a label map larger than the model's
 * output also exported at its own size, upsampled bilinearly, after a QuickPick), SPADE: Copy
 * Picture, and the toolbar's "Use style image…" (the same message its
 * button posts, with the file dialog's pick queued): a style image changes the picture to what
 * `spade synth --style` paints, a bad one is refused with a message naming it and the picture is
 * kept, and `spade.maxPixels` reaches the webview's worker.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { DEFAULT_MAX_PIXELS } from '../../../src/model/io/png_scan';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { outputSize } from '../../../src/model/config';
import { rgbaToPng } from '../../../src/webview/export_png';
import { resizeBilinear } from '../../../src/webview/upsample';
import { closeAll, docIds, open, until, workspaceUri } from './editor.test';

interface PanelStatus {
  file: string;
  frames?: number;
  error?: string;
  style?: string;
  maxPixels?: number;
}
interface Status {
  panels: PanelStatus[];
  notices: string[];
}
const status = () => vscode.commands.executeCommand<Status>('spade.internal.previewStatus');
const panelOf = async (uri: vscode.Uri) => (await status()).panels.find((p) => p.file === uri.toString());
const message = (uri: vscode.Uri, m: unknown) => vscode.commands.executeCommand('spade.internal.webviewMessage', uri, m);
const exportImage = (uri: vscode.Uri, overwrite?: boolean, size?: 'model' | 'labelMap') =>
  vscode.commands.executeCommand<vscode.Uri | undefined>('spade.exportImage', { uri, overwrite, size });
const readBytes = (uri: vscode.Uri) => vscode.workspace.fs.readFile(uri).then((b) => Uint8Array.from(b));
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A 32x32 label map of three classes of the bundled stand-in (landscapes: sky, cloud, mountain, ...). */
async function writeMask(name: string, split = 12, width = 32, height = 32): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  const sky = (split * height) / 32;
  const ids = new Int32Array(width * height).map((_, i) => (Math.floor(i / width) < sky ? 0 : i % width < width / 2 ? 2 : 5));
  await vscode.workspace.fs.writeFile(uri, encodeLabelMap({ width, height, ids, encoding: { kind: 'gray', bitDepth: 8 } }));
  return uri;
}

/** The seed of the picture on screen, from the panel's status (`seed <n>`). */
async function seedOf(uri: vscode.Uri): Promise<number> {
  const m = /^seed (\d+)$/.exec((await panelOf(uri))?.style ?? '');
  assert.ok(m, `the picture is in a seed style: ${(await panelOf(uri))?.style}`);
  return Number(m[1]);
}

/** A style image with its own colours (a wavy blue, or a sandy ramp). */
async function writeStyleImage(name: string, size: number, sandy: boolean): Promise<vscode.Uri> {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const wave = Math.sin((x + 2 * y) * 0.13) * 0.5 + 0.5;
      const rgb = sandy
        ? [200 + 50 * wave, 160 + 60 * wave, 60 + 40 * (y / size)]
        : [20 + 40 * wave, 80 + 60 * wave, 160 + 90 * wave];
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.round(rgb[c]);
    }
  }
  const uri = workspaceUri(name);
  await vscode.workspace.fs.writeFile(uri, encodePng({ width: size, height: size, data, channels: 3, depth: 8 }));
  return uri;
}

/** The checkpoint the previews use (the test run sets spade.checkpoint to the stand-in). */
function checkpointPath(): string {
  const file = vscode.workspace.getConfiguration('spade').get<string>('checkpoint', '');
  assert.ok(file && path.isAbsolute(file), `spade.checkpoint is set by the test run: ${file}`);
  return file;
}

async function modelSize(): Promise<{ width: number; height: number }> {
  const file = checkpointPath();
  return outputSize(readCheckpoint(await readBytes(vscode.Uri.file(file)), file).config);
}

/** Opens the mask and waits for its first synthesized frame. */
async function openRendered(uri: vscode.Uri): Promise<void> {
  await open(uri);
  await until('the first synthesized frame', async () => ((await panelOf(uri))?.frames ?? 0) >= 1, 120_000);
}

/** Picks `file` through the toolbar's "Use style image…" (its message, the dialog's pick queued). */
async function useStyleImage(mask: vscode.Uri, file: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('spade.internal.queuePick', file);
  await message(mask, { type: 'pickStyleImage' });
}

/** The panel's error once it matches `re` (an earlier error may still be showing). */
function errorMatching(mask: vscode.Uri, re: RegExp): Promise<string> {
  return until(`an error matching ${re}`, async () => {
    const e = (await panelOf(mask))?.error;
    return e !== undefined && re.test(e) ? e : undefined;
  }, 60_000);
}

/** Uses a style image and waits for a good frame in its style (which also ends any error). */
async function useGoodStyle(mask: vscode.Uri, file: vscode.Uri): Promise<void> {
  const want = `style image ${path.basename(file.path)}`;
  await useStyleImage(mask, file);
  await until(`a frame in the style of ${want}`, async () => {
    const p = await panelOf(mask);
    return p?.style === want && p.error === undefined;
  }, 120_000);
}

/** Decodes an exported PNG and checks it is RGB(A) at the model's output size. */
async function decodeExport(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; channels: number; data: ArrayLike<number> }> {
  const img = decodePng(bytes);
  const want = await modelSize();
  assert.deepStrictEqual({ width: img.width, height: img.height }, want, 'the PNG has the model output size');
  assert.ok(img.channels === 3 || img.channels === 4, `RGB(A), got ${img.channels} channels`);
  return { width: img.width, height: img.height, channels: img.channels, data: img.data };
}

suite('export (real webview)', function () {
  // The first frame includes starting TF.js in the webview worker on SwiftShader.
  this.timeout(240_000);
  suiteSetup(() => vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global));
  teardown(closeAll);

  test('SPADE: Export Synthesized Image writes <stem>.seed<N>.png; a second export asks, "no" keeps the file, "Overwrite" replaces it', async () => {
    const mask = await writeMask('exported.label.png');
    await openRendered(mask);
    const name = `exported.seed${await seedOf(mask)}.png`;
    const target = workspaceUri(name);
    await vscode.workspace.fs.delete(target).then(undefined, () => undefined);

    const written = await exportImage(mask);
    assert.strictEqual(written?.toString(), target.toString(), 'written next to the mask as <stem>.seed<N>.png');
    const first = await readBytes(target);
    await decodeExport(first);

    // A new picture: the mask changes on disk (a clean editor reloads) and a new frame comes.
    const framesBefore = (await panelOf(mask))!.frames!;
    await writeMask('exported.label.png', 24);
    await until('the reload', async () => (await docIds(mask))?.[20 * 32] === 2);
    await until('a frame of the new mask', async () => (await panelOf(mask))!.frames! > framesBefore, 120_000);

    const since = (await status()).notices.length;
    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Cancel');
    assert.strictEqual(await exportImage(mask), undefined, 'nothing written after "no"');
    const asked = (await status()).notices.slice(since);
    assert.ok(asked.includes(`${name} exists. Overwrite it?`), `asked before overwriting: ${JSON.stringify(asked)}`);
    assert.ok(sameBytes(await readBytes(target), first), 'the first export is byte for byte as it was');

    await vscode.commands.executeCommand('spade.internal.queueAnswer', 'Overwrite');
    assert.strictEqual((await exportImage(mask))?.toString(), target.toString());
    const second = await readBytes(target);
    assert.ok(!sameBytes(second, first), 'the file now holds the new picture');
    await decodeExport(second);
    const names = (await vscode.workspace.fs.readDirectory(workspaceUri('.'))).map(([n]) => n);
    assert.ok(!names.some((n) => n.endsWith('.tmp')), `no temp files left: ${names}`);
  });

  test('a label map larger than the model: a QuickPick offers both sizes in pixels, remembers the choice; the large one is the bilinear upsampling', async () => {
    const mask = await writeMask('large.label.png', 12, 256, 192);
    await openRendered(mask);
    const seed = await seedOf(mask);
    const model = await modelSize();
    for (const n of [`large.seed${seed}.png`, `large.seed${seed}.256x192.png`]) await vscode.workspace.fs.delete(workspaceUri(n)).then(undefined, () => undefined);

    // Asked: the first item is the model's size (nothing chosen before); the second, the map's.
    let since = (await status()).notices.length;
    const asking = exportImage(mask);
    await quickPickShowing(since);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const big = await asking;
    assert.strictEqual(big?.toString(), workspaceUri(`large.seed${seed}.256x192.png`).toString(), 'the size is in the name');
    const bigPng = decodePng(await readBytes(big!));
    assert.deepStrictEqual([bigPng.width, bigPng.height], [256, 192]);

    // Remembered: the map's size now comes first, so accepting at once picks it again.
    since = (await status()).notices.length;
    const again = exportImage(mask, true);
    await quickPickShowing(since);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.strictEqual((await again)?.toString(), big!.toString());

    const small = await exportImage(mask, false, 'model');
    assert.strictEqual(small?.toString(), workspaceUri(`large.seed${seed}.png`).toString());
    const modelPng = await decodeExport(await readBytes(small!));
    assert.deepStrictEqual([modelPng.width, modelPng.height], [model.width, model.height]);
    // The same frame, upsampled here with the documented filter, gives the exported pixels exactly.
    const rgba = toRgba(modelPng.data, modelPng.channels);
    const want = resizeBilinear(rgba, model.width, model.height, 256, 192);
    const got = toRgba(bigPng.data, bigPng.channels);
    const diff = want.findIndex((v, i) => v !== got[i]);
    assert.strictEqual(diff, -1, `first differing byte at ${diff}`);
    // And the model-size export is the frame as rgbaToPng encodes it, byte for byte.
    assert.ok(sameBytes(await readBytes(small!), rgbaToPng(rgba, model.width, model.height)), 'the model-size PNG is the frame itself');
  });

  test('SPADE: Copy Picture answers whether the webview could write the clipboard', async () => {
    const mask = await writeMask('copied.label.png');
    await openRendered(mask);
    const answer = await vscode.commands.executeCommand<string | undefined>('spade.copyPicture', { uri: mask });
    console.log(`copy picture: ${answer ?? 'copied'}`);
    assert.ok(answer === undefined || /NotAllowedError|focus/i.test(answer), `copied, or refused for want of focus: ${answer}`);
  });
});

/** Waits until the export has asked its size question (a notice recorded as the QuickPick opens). */
async function quickPickShowing(since: number): Promise<void> {
  await until('the size QuickPick', async () => (await status()).notices.slice(since).some((n) => n.startsWith('SPADE: Export Synthesized Image: size')), 60_000);
  // The notice is recorded as showQuickPick is called; the picker opens in the workbench a moment later.
  await new Promise((r) => setTimeout(r, 1000));
}

function toRgba(data: ArrayLike<number>, channels: number): Uint8ClampedArray {
  const n = data.length / channels;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = data[i * channels + c];
    out[i * 4 + 3] = channels === 4 ? data[i * 4 + 3] : 255;
  }
  return out;
}

suite('style image (real webview)', function () {
  this.timeout(240_000);
  // One editor for the suite: each new webview starts TF.js again, which takes half a minute here.
  let mask: vscode.Uri;
  suiteSetup(async () => {
    mask = await writeMask('styled.label.png');
    await openRendered(mask);
  });
  suiteTeardown(closeAll);

  test('"Use style image…": the picture changes from the seed style to what spade synth --style paints; the status names the image', async () => {
    const style = await writeStyleImage('sea_style.png', 96, false);
    await until('the seed style', async () => (await panelOf(mask))?.style?.startsWith('seed '));
    const seeded = await readBytes((await exportImage(mask, true))!);

    await useGoodStyle(mask, style); // the status names it
    const styled = await readBytes((await exportImage(mask, true))!);
    assert.ok(!sameBytes(styled, seeded), 'the style image changed the picture');
    const got = await decodeExport(styled);

    // The same checkpoint, mask and image through the CLI (cpu in Node; the webview ran WebGPU
    // or WebGL on SwiftShader, so the last bits differ and 8-bit rounding can flip a level).
    const ext = vscode.extensions.getExtension('spade-studio.spade-studio')!;
    const out = path.join(path.dirname(mask.fsPath), 'cli_styled.png');
    const cli = [path.join(ext.extensionPath, 'dist', 'cli.js'), 'synth', '--checkpoint', checkpointPath(), '--label', mask.fsPath, '--style', style.fsPath, '-o', out, '--backend', 'cpu'];
    const r = spawnSync(process.execPath, cli, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.strictEqual(r.status, 0, `spade synth --style: ${r.error?.message ?? ''} ${r.stderr}`);
    const want = decodePng(await readBytes(vscode.Uri.file(out)));
    assert.deepStrictEqual([want.width, want.height], [got.width, got.height]);
    let maxDiff = 0;
    let sum = 0;
    const n = got.width * got.height;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(got.data[i * got.channels + c] - want.data[i * want.channels + c]);
        maxDiff = Math.max(maxDiff, d);
        sum += d;
      }
    }
    const seedPixels = decodePng(seeded);
    let seedSum = 0;
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++)
        seedSum += Math.abs(seedPixels.data[i * seedPixels.channels + c] - want.data[i * want.channels + c]);
    console.log(`style image vs spade synth --style: max |diff| ${maxDiff}/255, mean ${(sum / n / 3).toFixed(3)}; seed style vs CLI: mean ${(seedSum / n / 3).toFixed(2)}`);
    assert.ok(maxDiff <= 3, `the preview's picture matches spade synth --style within 3 levels (max ${maxDiff})`);
    assert.ok(seedSum / n / 3 > 10 * Math.max(sum / n / 3, 0.1), 'and the seed-style picture does not');
  });

  test('a truncated style image: one line naming the file, the previous picture and style kept', async () => {
    const good = await writeStyleImage('dune_style.png', 64, true);
    await useGoodStyle(mask, good);
    const before = await readBytes((await exportImage(mask, true))!);

    const whole = await readBytes(good);
    const bad = workspaceUri('cut_style.png');
    await vscode.workspace.fs.writeFile(bad, whole.subarray(0, Math.floor(whole.length / 2)));
    await useStyleImage(mask, bad);
    const error = await errorMatching(mask, /cut_style\.png/);
    assert.match(error, /^style image: cut_style\.png: truncated PNG/);
    assert.ok(!error.includes('\n'), 'one line');
    const p = (await panelOf(mask))!;
    assert.strictEqual(p.style, 'style image dune_style.png', 'the style in use is unchanged');
    assert.ok(sameBytes(await readBytes((await exportImage(mask, true))!), before), 'the picture is the one before');
  });

  test('spade.maxPixels reaches the webview: a style image over it is refused from its header; raised again, it is used', async () => {
    const big = await writeStyleImage('big_style.png', 64, false); // 4096 pixels
    assert.strictEqual((await panelOf(mask))?.maxPixels, DEFAULT_MAX_PIXELS, 'init carries the setting');
    await useGoodStyle(mask, await writeStyleImage('small_style.png', 16, true));
    const before = await readBytes((await exportImage(mask, true))!);
    const config = () => vscode.workspace.getConfiguration('spade');
    try {
      await config().update('maxPixels', 1000, vscode.ConfigurationTarget.Global);
      await until('the new limit sent to the webview', async () => (await panelOf(mask))?.maxPixels === 1000);
      await useStyleImage(mask, big);
      const error = await errorMatching(mask, /big_style\.png/);
      assert.strictEqual(error, 'style image: big_style.png: image is 64x64 (4096 pixels), more than the limit of 1000 pixels');
      assert.ok(sameBytes(await readBytes((await exportImage(mask, true))!), before), 'the picture is the one before');

      // A value that is no limit at all is reported, and the default applies.
      const since = (await status()).notices.length;
      await config().update('maxPixels', 2.5, vscode.ConfigurationTarget.Global);
      const notice = await until('the warning', async () => (await status()).notices.slice(since).find((t) => /spade\.maxPixels/.test(t)));
      assert.match(notice, /spade\.maxPixels must be a whole number from 1 to 4294967296, not 2\.5; using 16777216/);
      await until('the default sent to the webview', async () => (await panelOf(mask))?.maxPixels === DEFAULT_MAX_PIXELS);
    } finally {
      await config().update('maxPixels', undefined, vscode.ConfigurationTarget.Global);
    }
    await useGoodStyle(mask, big); // under the default limit
  });

  test('a style set over the size cap is refused by its size (16 MiB), before it is read', async () => {
    const file = workspaceUri('capped.spade-style.json');
    // 17 MiB of spaces around an empty object: valid JSON, only its size is wrong.
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(`{${' '.repeat(17 * 1024 * 1024)}}`));
    await vscode.commands.executeCommand('spade.compareStyles', { uri: mask, styleSet: file });
    const error = await errorMatching(mask, /capped\.spade-style\.json/);
    assert.match(error, /^capped\.spade-style\.json: style file is 17\.0 MiB, more than the 16\.0 MiB a style set may be/);
    await vscode.workspace.fs.delete(file);
  });
});
