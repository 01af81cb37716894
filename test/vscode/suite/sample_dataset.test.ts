/// <reference types="mocha" />
/**
 * SPADE: Generate a Sample Dataset, which the walkthrough and Fine-tune offer in a workspace
 * without a dataset: a real `spade dataset landscapes` run, writing paired images and label maps
 * into a new folder of the workspace, never into an existing one.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { SAMPLE_COUNT } from '../../../src/extension/finetune/sample_dataset';

describe('SPADE: Generate a Sample Dataset', () => {
  it('writes paired images/ and labels/ into spade-dataset, then spade-dataset-2', async function () {
    this.timeout(180_000);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const first = await vscode.commands.executeCommand<string | undefined>('spade.generateDataset');
    if (!first) return assert.fail('no dataset written');
    assert.equal(first, path.join(folder, 'spade-dataset'));
    const stems = (dir: string) => fs.readdirSync(dir).map((f) => f.replace(/\.[^.]+$/, '')).sort();
    const images = stems(path.join(first, 'images'));
    assert.equal(images.length, SAMPLE_COUNT);
    assert.deepEqual(stems(path.join(first, 'labels')), images, 'every image has its label map');
    const second = await vscode.commands.executeCommand<string | undefined>('spade.generateDataset');
    assert.equal(second, path.join(folder, 'spade-dataset-2'));
    fs.rmSync(first, { recursive: true, force: true });
    if (second) fs.rmSync(second, { recursive: true, force: true });
  });
});
