/// <reference types="mocha" />
/**
 * Where previews fetch their model from (src/extension/preview_model_file.ts), on the real
 * extension host's file system: the extension's own file as it is, anything else as a copy
 * named by its content, reused while it is current, and stale copies pruned.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { previewModelFile } from '../../../src/extension/preview_model_file';

describe('preview model file', () => {
  let root: string;
  let served: vscode.Uri;
  let cache: vscode.Uri;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-preview-file-'));
    served = vscode.Uri.file(path.join(root, 'extension'));
    cache = vscode.Uri.file(path.join(root, 'storage', 'preview-models'));
    fs.mkdirSync(served.fsPath, { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves the extension\'s own file as it is', async () => {
    const own = vscode.Uri.file(path.join(served.fsPath, 'media', 'model.safetensors'));
    const got = await previewModelFile(new Uint8Array([1, 2, 3]), own, served, cache);
    assert.equal(got.fsPath, own.fsPath);
    assert.equal(fs.existsSync(cache.fsPath), false, 'nothing copied');
  });

  it('copies anything else once, by content, and prunes stale copies', async () => {
    const user = vscode.Uri.file(path.join(root, 'work', 'ck.safetensors'));
    const a = new Uint8Array([5, 6, 7, 8]);
    const fileA = await previewModelFile(a, user, served, cache);
    assert.ok(fileA.fsPath.startsWith(cache.fsPath + path.sep), fileA.fsPath);
    assert.deepEqual(new Uint8Array(fs.readFileSync(fileA.fsPath)), a);
    // The same bytes again (also as a run folder's G, with no source): the same file, not rewritten.
    const ino = fs.statSync(fileA.fsPath).ino;
    const again = await previewModelFile(a.slice(), undefined, served, cache);
    assert.equal(again.fsPath, fileA.fsPath);
    assert.equal(fs.statSync(again.fsPath).ino, ino);
    // A copy unused for two days goes when another is written; a fresh one stays.
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    fs.utimesSync(fileA.fsPath, old, old);
    const fresh = await previewModelFile(new Uint8Array([9]), user, served, cache);
    const fileB = await previewModelFile(new Uint8Array([1, 1]), user, served, cache);
    assert.notEqual(fileB.fsPath, fresh.fsPath);
    assert.deepEqual(fs.readdirSync(cache.fsPath).sort(), [path.basename(fileB.fsPath), path.basename(fresh.fsPath)].sort());
  });
});
