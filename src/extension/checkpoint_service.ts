/**
 * Holds the checkpoint the previews use and tells them when it changes: a new
 * `spade.checkpoint` setting, or the file itself rewritten (e.g. by a fine-tuning run).
 */
import * as vscode from 'vscode';
import { bundledCheckpointUri, configuredCheckpointUri, loadCheckpoint, type LoadedCheckpoint } from './checkpoint_source';
import { previewModelFile } from './preview_model_file';
import { isRunFolderPath } from './run_folder_source';
import { RUN_FOLDER_FILES } from '../model/nvlabs/run_folder';

/** A checkpoint read for the previews, and the file their pages fetch its preview bytes from. */
export interface PreviewCheckpoint extends LoadedCheckpoint {
  previewFile: vscode.Uri;
}

export class CheckpointService implements vscode.Disposable {
  private current?: Promise<PreviewCheckpoint>;
  private watcher?: vscode.FileSystemWatcher;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly _onDidChange = new vscode.EventEmitter<PreviewCheckpoint>();
  readonly onDidChange = this._onDidChange.event;
  /** How many times a checkpoint was (re)loaded; tests read it through an internal command. */
  loads = 0;
  /** When the current load began (epoch ms): a reload's latency trace starts there. */
  loadStartedAt = 0;

  /** `cacheDir`: where preview bytes that are not a file of the extension's own are served from. */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly cacheDir: vscode.Uri,
  ) {
    this.disposables.push(
      this._onDidChange,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('spade.checkpoint')) void this.reload();
      }),
    );
  }

  /** The current checkpoint; a bad configured one falls back to the bundled model, with a message. */
  get(): Promise<PreviewCheckpoint> {
    this.current ??= this.load();
    return this.current;
  }

  async reload(): Promise<void> {
    this.current = this.load();
    this._onDidChange.fire(await this.current);
  }

  private async load(): Promise<PreviewCheckpoint> {
    const ck = await this.read();
    const { bytes, wholeFile } = ck.info;
    const previewFile = await previewModelFile(bytes, wholeFile ? ck.uri : undefined, this.extensionUri, this.cacheDir);
    return { ...ck, previewFile };
  }

  private async read(): Promise<LoadedCheckpoint> {
    this.loads++;
    this.loadStartedAt = Date.now();
    const uri = configuredCheckpointUri(this.extensionUri);
    this.watch(uri);
    try {
      return await loadCheckpoint(uri);
    } catch (e) {
      const bundled = bundledCheckpointUri(this.extensionUri);
      const isBundled = uri.toString() === bundled.toString();
      void vscode.window.showErrorMessage(`SPADE: ${(e as Error).message}${isBundled ? '' : ' — using the bundled model instead.'}`);
      if (isBundled) throw e;
      return loadCheckpoint(bundled);
    }
  }

  private watch(uri: vscode.Uri): void {
    this.watcher?.dispose();
    // An NVlabs run folder changes when its G is rewritten (NVlabs' trainer, spade export).
    const folder = uri.scheme === 'file' && isRunFolderPath(uri.fsPath);
    const dir = folder ? uri : vscode.Uri.joinPath(uri, '..');
    const name = folder ? RUN_FOLDER_FILES.G : (uri.path.split('/').pop() ?? '');
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, name));
    const onChange = () => void this.reload();
    this.watcher.onDidChange(onChange);
    this.watcher.onDidCreate(onChange);
  }

  dispose(): void {
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
