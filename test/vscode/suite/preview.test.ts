/// <reference types="mocha" />
/**
 * The live preview end to end inside a real VS Code: the webview's worker renders frames,
 * export writes the synthesized PNG, and a checkpoint switch or rewrite reloads the preview.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import { decode } from 'fast-png';
import { until } from './editor.test';

interface PanelStatus {
  file: string;
  backend?: string;
  model?: string;
  frames?: number;
  latencyMs?: number | null;
  error?: string;
}
interface Status {
  checkpointLoads: number;
  panels: PanelStatus[];
}

const status = () => vscode.commands.executeCommand<Status>('spade.internal.previewStatus');
const extensionUri = () => vscode.extensions.getExtension('spade-studio.spade-studio')!.extensionUri;
const workspace = () => vscode.workspace.workspaceFolders![0].uri;

async function panelFor(uri: vscode.Uri, ok: (p: PanelStatus) => boolean, what: string, ms = 180_000): Promise<PanelStatus> {
  return until(what, async () => (await status()).panels.find((p) => p.file === uri.toString() && ok(p)), ms);
}

suite('live preview', function () {
  // Software GPUs are slow: a frame takes ~10 s on SwiftShader WebGPU, the first one longer.
  this.timeout(300_000);
  let sample: vscode.Uri;

  suiteSetup(async () => {
    sample = vscode.Uri.joinPath(workspace(), 'preview.label.png');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri(), 'media', 'samples', 'landscape.label.png'), sample, { overwrite: true });
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('spade').update('checkpoint', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('opening a label map renders a frame with the bundled model', async () => {
    await vscode.commands.executeCommand('spade.openPreview', sample);
    const p = await panelFor(sample, (s) => (s.frames ?? 0) >= 1, 'the first frame');
    assert.ok(['webgpu', 'webgl', 'cpu'].includes(p.backend!), `backend ${p.backend}`);
    assert.strictEqual(p.model, 'tiny-untrained.safetensors');
    assert.strictEqual(p.error, undefined);
  });

  test('SPADE: Export Synthesized Image writes <name>.synth.png next to the mask', async () => {
    const target = await vscode.commands.executeCommand<vscode.Uri>('spade.exportImage', { uri: sample, overwrite: true });
    assert.ok(target, 'export returned the file it wrote');
    assert.ok(target.path.endsWith('/preview.synth.png'));
    const png = decode(await vscode.workspace.fs.readFile(target));
    assert.deepStrictEqual([png.width, png.height], [128, 64]);
  });

  test('SPADE: Select Checkpoint switches every preview; rewriting the file reloads it', async () => {
    const other = vscode.Uri.joinPath(workspace(), 'other.safetensors');
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri(), 'media', 'models', 'tiny-untrained.safetensors'));
    await vscode.workspace.fs.writeFile(other, bytes);
    await vscode.commands.executeCommand('spade.selectCheckpoint', other);
    const switched = await panelFor(sample, (s) => s.model === 'other.safetensors' && (s.frames ?? 0) >= 1, 'the preview to use other.safetensors');
    const loads = (await status()).checkpointLoads;
    await vscode.workspace.fs.writeFile(other, bytes);
    await until('the checkpoint to reload after the file changed', async () => (await status()).checkpointLoads > loads);
    await panelFor(sample, (s) => (s.frames ?? 0) > (switched.frames ?? 0), 'a frame from the reloaded checkpoint');
  });
});
