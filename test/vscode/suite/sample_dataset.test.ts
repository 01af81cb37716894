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
import { until } from './editor.test';

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

  it('SPADE: Fine-tune in a workspace without a dataset offers to generate one, first, and goes on with it', async function () {
    this.timeout(240_000);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // Datasets other suites wrote are moved out of sight (and back), so the workspace has none.
    const hidden = path.join(folder, 'datasets');
    const away = path.join(path.dirname(folder), `datasets-away-${process.pid}`);
    if (fs.existsSync(hidden)) fs.renameSync(hidden, away);
    const made = path.join(folder, 'spade-dataset');
    try {
      const pending = vscode.commands.executeCommand<{ started: boolean; reason?: string }>('spade.fineTune');
      let answered = false;
      void pending.then(() => (answered = true), () => (answered = true));
      // The first question's first item, accepted as is: "Generate a sample dataset".
      await new Promise((r) => setTimeout(r, 2000));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      const labels = path.join(made, 'labels');
      await until('the generated dataset', () => fs.existsSync(labels) && fs.readdirSync(labels).length === SAMPLE_COUNT, 180_000);
      // The flow goes on to the next question (the base checkpoint): close it.
      while (!answered) {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await new Promise((r) => setTimeout(r, 500));
      }
      const result = await pending;
      assert.deepEqual([result.started, result.reason], [false, 'cancelled'], JSON.stringify(result));
      assert.equal(fs.readdirSync(path.join(made, 'images')).length, SAMPLE_COUNT);
    } finally {
      fs.rmSync(made, { recursive: true, force: true });
      if (fs.existsSync(away)) fs.renameSync(away, hidden);
    }
  });
});
