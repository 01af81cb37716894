/// <reference types="mocha" />
/**
 * The preview's latency trace in a real extension host: two previews share the window's one read
 * of the model's bytes, each reports its first picture's trace to the host (through the validated
 * protocol), SPADE: Show Preview Timings prints them, and the host adds its own mark to a stroke's.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PreviewTrace } from '../../../src/shared/preview_trace';
import { closeAll, open, stroke, until, writeLabelMap } from './editor.test';

interface Status {
  checkpointLoads: number;
  panels: { file: string; frames?: number; firstPictures?: number; traces?: { open?: PreviewTrace; stroke?: PreviewTrace } }[];
}
const GRAY8 = { kind: 'gray', bitDepth: 8 } as const;
const status = () => vscode.commands.executeCommand<Status>('spade.internal.previewStatus');
const panelOf = async (uri: vscode.Uri) => (await status()).panels.find((p) => p.file === uri.toString());
const message = (uri: vscode.Uri, m: unknown) => vscode.commands.executeCommand('spade.internal.webviewMessage', uri, m);

async function openTraced(uri: vscode.Uri): Promise<PreviewTrace> {
  await open(uri);
  return until('the first picture\'s latency trace', async () => (await panelOf(uri))?.traces?.open, 120_000);
}

describe('preview timings', () => {
  after(closeAll);

  it('reads the model once for two previews, and each reports its first picture\'s trace', async () => {
    const a = await writeLabelMap('timings-a.label.png', GRAY8);
    const b = await writeLabelMap('timings-b.label.png', GRAY8, 3);
    const ta = await openTraced(a);
    const loads = (await status()).checkpointLoads;
    const tb = await openTraced(b);
    assert.equal((await status()).checkpointLoads, loads, 'the second preview reuses the window\'s checkpoint bytes');
    for (const t of [ta, tb]) {
      assert.equal(t.kind, 'open');
      for (const k of ['open', 'modelRead', 'initSent', 'initReceived', 'modelFetched', 'weightsOnDevice', 'maskSent', 'frameStarted', 'frameDone', 'painted'] as const) {
        assert.equal(typeof t.marks[k], 'number', `${k} in ${JSON.stringify(t.marks)}`);
      }
      assert.ok(t.marks.open! <= t.marks.initSent! && t.marks.frameStarted! <= t.marks.frameDone!, JSON.stringify(t.marks));
    }
    // The window's render thread drew each map as it opened (whether the page's own picture came first is a race).
    for (const uri of [a, b]) await until(`the host's first picture of ${uri.path}`, async () => (await panelOf(uri))?.firstPictures === 1, 120_000);
    const lines = await vscode.commands.executeCommand<string[]>('spade.showPreviewTimings');
    assert.match(lines[0], /timings-b\.label\.png/);
    assert.match(lines[1], /^open → picture: \d+ ms \(frame \d+ ms; (\w+|first picture from the host), /);
    assert.ok(lines.some((l) => /^\s+painted\s+\d+ ms/.test(l)), lines.join('\n'));
  });

  it('adds the host\'s edit mark to a stroke\'s trace and drops a malformed trace', async () => {
    const b = await writeLabelMap('timings-c.label.png', GRAY8, 3);
    await open(b);
    const pointerUp = Date.now();
    await stroke(b, [0, 1], 2);
    const painted = Date.now() + 4;
    const marks = { pointerUp, maskSent: pointerUp + 1, frameStarted: pointerUp + 2, frameDone: pointerUp + 3, painted };
    await message(b, { type: 'trace', trace: { kind: 'stroke', model: 'm', backend: 'wasm', dirty: true, marks: { ...marks, bogus: 1 } } });
    assert.equal((await panelOf(b))?.traces?.stroke, undefined, 'a trace with an unknown mark is dropped');
    await message(b, { type: 'trace', trace: { kind: 'stroke', model: 'm', backend: 'wasm', dirty: true, marks } });
    const t = (await panelOf(b))?.traces?.stroke;
    assert.ok(t?.marks.editApplied !== undefined && t.marks.editApplied >= pointerUp, JSON.stringify(t));
  });
});
