/**
 * The label-map custom editor: documents and their edit history live here on the host;
 * each panel is a webview that paints and renders. Undo, redo, save, save-as, revert and
 * hot-exit backup all go through CustomEditorProvider, as VS Code expects.
 */
import * as vscode from 'vscode';
import { LabelMapDocument, type StrokeEdit } from './label_document';
import type { CheckpointService, PreviewCheckpoint } from './checkpoint_service';
import { previewCacheDir } from './preview_model_file';
import { labelSetInfo, plainBytes, type LoadedCheckpoint } from './checkpoint_source';
import { webviewHtml } from './webview_html';
import { maxPixelsSetting } from './max_pixels';
import { inferenceBackendSetting } from './inference_backend';
import { findUnknownIds } from './unknown_ids';
import { addDroppedImages, addStyleImages, exportFrames, loadStyleSet, saveStyleSet } from './style_sets';
import { parseWebviewMessage, type CheckpointInfo, type HostToWebview, type PictureSize } from '../shared/protocol';
import { RequestReply } from '../shared/request_reply';
import { formatTrace, type PreviewTrace } from '../shared/preview_trace';
import type { ExportedPicture, Panel, PanelProvider } from './panel';
import { markOpened, markPainted } from './walkthrough_progress';
import type { PanelRegistry } from './panel_registry';
import type { UserDialogs } from './user_dialogs';
import type { FirstPictureRenderer } from './first_picture/first_picture_renderer';

export const VIEW_TYPES = ['spadeStudio.labelMap', 'spadeStudio.labelMapAnyPng'] as const;

/**
 * One instance per view type: VS Code routes a provider's edit events to the documents that
 * view type opened, so two view types must not share one event emitter.
 */
export class LabelEditorProvider implements vscode.CustomEditorProvider<LabelMapDocument>, PanelProvider {
  private readonly _onDidChangeCustomDocument = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<LabelMapDocument>>();
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;
  private readonly exports = new RequestReply<ExportedPicture>();
  /** SPADE: Copy Picture's answers: undefined when copied, else why not. */
  private readonly copies = new RequestReply<string | undefined>();
  /** When each document was opened (epoch ms), until its first panel takes it. */
  private readonly openedAt = new WeakMap<LabelMapDocument, number>();
  /** The checkpoint each document's label ids were last checked against, so we ask once. */
  private readonly idsChecked = new WeakMap<LabelMapDocument, LoadedCheckpoint>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly checkpoints: CheckpointService,
    private readonly registry: PanelRegistry,
    private readonly dialogs: UserDialogs,
    private readonly log: vscode.OutputChannel,
    private readonly firstPictures: FirstPictureRenderer,
  ) {
    context.subscriptions.push(
      this._onDidChangeCustomDocument,
      checkpoints.onDidChange((ck) => {
        for (const p of registry.panels) {
          if (p.provider !== this) continue;
          const trace = { open: checkpoints.loadStartedAt, modelRead: ck.readAt, initSent: Date.now() };
          p.post({ type: 'checkpoint', checkpoint: checkpointFor(p.webview.webview, ck), labelSet: labelSetInfo(ck.labelSet), trace });
          void this.checkIds(p.document, ck);
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('spade.maxPixels')) return;
        const maxPixels = this.maxPixels();
        for (const p of registry.panels) {
          if (p.provider !== this) continue;
          p.maxPixels = maxPixels;
          p.post({ type: 'settings', maxPixels });
        }
      }),
    );
  }

  /** spade.maxPixels, validated; a bad value is reported and the default used. */
  private maxPixels(): number {
    return maxPixelsSetting((text) => this.dialogs.warn(text));
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<LabelMapDocument> {
    const openedAt = Date.now();
    const ck = await this.checkpoints.get();
    const maxPixels = this.maxPixels();
    let doc: LabelMapDocument;
    try {
      doc = await LabelMapDocument.open(uri, openContext.backupId, ck.labelSet, maxPixels);
    } catch (e) {
      void vscode.window.showErrorMessage(`SPADE: ${(e as Error).message}`);
      throw e;
    }
    this.openedAt.set(doc, openedAt);
    if (doc.restoreNote) this.dialogs.warn(`SPADE: ${doc.restoreNote}`);
    const edits = doc.onDidEdit((edit: StrokeEdit) =>
      this._onDidChangeCustomDocument.fire({
        document: doc,
        label: edit.label,
        undo: () => doc.undo(edit),
        redo: () => doc.redo(edit),
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), doc.fileName));
    // Another program may replace the file (create), change it or delete it; all go through one check.
    const changed = () => void this.onDiskChange(doc);
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    doc.onDidDispose(() => {
      edits.dispose();
      watcher.dispose();
    });
    return doc;
  }

  /**
   * The file changed under an open document. A dirty document is never reloaded or written
   * without asking: the user picks between the file on disk and their strokes.
   */
  private async onDiskChange(doc: LabelMapDocument): Promise<void> {
    let outcome: Awaited<ReturnType<LabelMapDocument['onDiskChange']>>;
    try {
      outcome = await doc.onDiskChange(this.isDirty(doc));
    } catch (e) {
      // The new file does not decode: keep the map the editor shows.
      const why = (e as Error).message;
      this.dialogs.warn(`SPADE: ${doc.fileName} changed on disk and cannot be read (${why}); the editor keeps the map it shows.`);
      return;
    }
    if (outcome === 'deleted') {
      this.dialogs.warn(`SPADE: ${doc.fileName} was deleted on disk. The editor keeps the label map; save to write it back.`);
    } else if (outcome === 'conflict') {
      const text = this.dialogs.note(
        `SPADE: ${doc.fileName} changed on disk while you have unsaved strokes. Nothing was overwritten.`,
      );
      const reload = 'Reload from disk';
      const answer = await this.dialogs.ask(text, reload, 'Keep my edits');
      if (answer !== reload) return; // keeping the edits: a later save writes them, as the user chose
      const panel = [...this.registry.panels].find((p) => p.document === doc);
      if (!panel) return;
      // VS Code's revert (not ours alone) so the tab's dirty state and undo stack follow. It acts
      // on the active editor: focus ours first, and never revert whatever else is active.
      await vscode.commands.executeCommand('vscode.openWith', doc.uri, panel.webview.viewType, { preserveFocus: false });
      const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (active instanceof vscode.TabInputCustom && active.uri.toString() === doc.uri.toString()) {
        await vscode.commands.executeCommand('workbench.action.files.revert');
      } else {
        void vscode.window.showWarningMessage(`SPADE: could not focus ${doc.fileName}; use File: Revert File on it to reload it from disk.`);
      }
    }
  }

  /** VS Code knows dirtiness; we mirror it from the tab. */
  private isDirty(doc: LabelMapDocument): boolean {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputCustom && input.uri.toString() === doc.uri.toString() && tab.isDirty) return true;
      }
    }
    return false;
  }

  async resolveCustomEditor(document: LabelMapDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    // A second panel on an open document starts its wait here.
    const openedAt = this.openedAt.get(document) ?? Date.now();
    this.openedAt.delete(document);
    const ext = this.context.extensionUri;
    webviewPanel.webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(ext, 'dist'),
        vscode.Uri.joinPath(ext, 'media'),
        vscode.Uri.joinPath(document.uri, '..'),
        previewCacheDir(this.context.globalStorageUri),
      ],
    };
    const backend = inferenceBackendSetting((text) => this.dialogs.warn(text));
    webviewPanel.webview.html = webviewHtml(webviewPanel.webview, ext, backend, process.env.SPADE_TEST_HOOKS === '1');
    const post = (m: HostToWebview) => void webviewPanel.webview.postMessage(m);
    const panel: Panel = { document, webview: webviewPanel, provider: this, post, openedAt, traces: {} };
    // While the page starts: it gets the picture once it is ready for messages.
    panel.firstPicture = this.checkpoints.get().then(
      (ck) => this.renderFirstPicture(panel, ck),
      () => undefined, // the init that follows reports it
    );
    const registry = this.registry;
    registry.panels.add(panel);
    registry.active = panel;
    let visible = webviewPanel.visible;
    const disposables: vscode.Disposable[] = [
      webviewPanel.onDidChangeViewState(() => {
        if (webviewPanel.active) registry.active = panel;
        // Shown again: VS Code makes the page anew, and the wait for its picture starts now.
        if (webviewPanel.visible && !visible) panel.openedAt = Date.now();
        visible = webviewPanel.visible;
      }),
      document.onDidChangeIds((change) => {
        if (change.origin !== panel) panel.post({ type: 'setIds', ids: change.ids, reason: change.reason });
      }),
      webviewPanel.webview.onDidReceiveMessage((raw) => this.onMessage(panel, raw)),
    ];
    webviewPanel.onDidDispose(() => {
      registry.panels.delete(panel);
      if (registry.active === panel) registry.active = undefined;
      for (const d of disposables) d.dispose();
    });
    void this.checkIds(document, await this.checkpoints.get());
  }

  /** Handles a message as if the panel's webview had sent it (same validation). For tests. */
  receive(panel: Panel, raw: unknown): Promise<void> {
    return this.onMessage(panel, raw);
  }

  private async onMessage(panel: Panel, raw: unknown): Promise<void> {
    const doc = panel.document;
    const m = parseWebviewMessage(raw, doc.width * doc.height);
    if (!m) {
      this.log.appendLine(`ignored a malformed message from the ${doc.fileName} webview`);
      return;
    }
    switch (m.type) {
      case 'ready': {
        markOpened();
        const ck = await this.checkpoints.get();
        this.sendInit(panel, ck);
        // A page made anew (shown again after hiding) wants a picture of the map as it is now.
        const picture = panel.firstPicture ?? this.renderFirstPicture(panel, ck);
        panel.firstPicture = undefined;
        const shown = await picture;
        if (!shown) return;
        panel.post(shown);
        panel.firstPicturesSent = (panel.firstPicturesSent ?? 0) + 1;
        return;
      }
      case 'stroke':
        markPainted();
        doc.applyStroke(m.label, m.indices, m.value, panel);
        panel.editAppliedAt = Date.now();
        return;
      case 'trace':
        return this.onTrace(panel, m.trace);
      case 'status':
        panel.status = m;
        if (m.error) this.log.appendLine(`${doc.fileName}: ${m.error}`);
        return;
      case 'pickStyleImage':
        return this.pickStyleImage(panel);
      case 'addStyleImages':
        return addStyleImages(panel);
      case 'dropStyleImages':
        return addDroppedImages(panel, m.uris);
      case 'saveStyleSet':
        return void (await saveStyleSet(panel, m.text));
      case 'loadStyleSet':
        return loadStyleSet(panel);
      case 'exportFrames':
        return void (await exportFrames(panel, m.label, m.pngs, m.apng).catch((e: Error) => panel.post({ type: 'error', message: `cannot write the frames: ${e.message}` })));
      case 'exportImage':
        this.exports.resolve(m.requestId, { png: m.png, width: m.width, height: m.height, style: m.style });
        return;
      case 'copyResult':
        this.copies.resolve(m.requestId, m.error);
        return;
      case 'log':
        this.log.appendLine(`${doc.fileName}: ${m.message}`);
        return;
    }
  }

  /** A finished latency trace: kept for SPADE: Show Preview Timings, with the host's own stroke mark. */
  private onTrace(panel: Panel, trace: PreviewTrace): void {
    const { pointerUp } = trace.marks;
    const applied = panel.editAppliedAt;
    // The stroke message leaves the page right after pointer-up: an edit applied before it was another stroke's.
    if (trace.kind === 'stroke' && applied !== undefined && pointerUp !== undefined && applied >= pointerUp) {
      trace.marks.editApplied = applied;
    }
    panel.traces[trace.kind] = trace;
    this.log.appendLine(`${panel.document.fileName}: ${formatTrace(trace)[0]}`);
  }

  private renderFirstPicture(panel: Panel, ck: PreviewCheckpoint): ReturnType<FirstPictureRenderer['render']> {
    const d = panel.document;
    return this.firstPictures.render(ck, Int32Array.from(d.ids), d.width, d.height);
  }

  private sendInit(panel: Panel, ck: PreviewCheckpoint): void {
    const d = panel.document;
    panel.maxPixels = this.maxPixels();
    // The model was in memory before this open: it was there at once.
    const trace = { open: panel.openedAt, modelRead: Math.max(ck.readAt, panel.openedAt), initSent: Date.now() };
    panel.post({
      type: 'init',
      document: { fileName: d.fileName, width: d.width, height: d.height, ids: Int32Array.from(d.ids), encoding: d.encodingName },
      labelSet: labelSetInfo(ck.labelSet),
      checkpoint: checkpointFor(panel.webview.webview, ck),
      editable: true,
      maxPixels: panel.maxPixels,
      trace,
    });
  }

  /**
   * Ids the model has no channel for: the user is told which and how many pixels (the webview
   * shows the same in its error line) and, where the model has a dontcare class, offered to paint
   * them as dontcare. Once per document and checkpoint, however many panels show it.
   */
  private async checkIds(doc: LabelMapDocument, ck: LoadedCheckpoint): Promise<void> {
    if (this.idsChecked.get(doc) === ck) return;
    this.idsChecked.set(doc, ck);
    const unknown = findUnknownIds(doc.ids, ck.labelSet, ck.model, doc.fileName);
    if (!unknown) return;
    const text = `SPADE: ${unknown.message}`;
    if (unknown.dontcareId === null) return this.dialogs.warn(text);
    const treat = 'Treat as dontcare';
    if ((await this.dialogs.ask(this.dialogs.note(text), treat)) !== treat) return;
    // The ids may have changed while the question was open: paint what is unknown now.
    const now = findUnknownIds(doc.ids, ck.labelSet, ck.model, doc.fileName);
    if (now && now.dontcareId !== null) doc.applyStroke('Treat unknown ids as dontcare', now.indices, now.dontcareId, undefined);
  }

  private async pickStyleImage(panel: Panel): Promise<void> {
    const picked = await this.dialogs.pickFile({
      filters: { Images: ['png', 'jpg', 'jpeg'] },
      defaultUri: vscode.Uri.joinPath(panel.document.uri, '..'),
      title: 'Style image',
    });
    if (!picked) return;
    const name = picked.path.split('/').pop() ?? 'style';
    let bytes: Uint8Array;
    try {
      bytes = plainBytes(await vscode.workspace.fs.readFile(picked));
    } catch {
      panel.post({ type: 'error', message: `style image: ${name}: not found or not readable` });
      return;
    }
    // The worker decodes it (under spade.maxPixels) and says what is wrong with a bad file.
    panel.post({ type: 'styleImage', name, bytes });
  }

  /** Asks a panel for its current synthesized image as PNG bytes, at the model's size or `size`. */
  requestExport(panel: Panel, size?: PictureSize, timeoutMs = 60_000): Promise<ExportedPicture> {
    const timeout = { ms: timeoutMs, message: 'the preview did not answer (is a frame rendered yet?)' };
    return this.exports.request((requestId) => panel.post({ type: 'exportRequest', requestId, ...(size ? { size } : {}) }), timeout);
  }

  /** Asks a panel to put its current picture on the clipboard; answers why it could not, or undefined. */
  requestCopy(panel: Panel, timeoutMs = 60_000): Promise<string | undefined> {
    const timeout = { ms: timeoutMs, message: 'the preview did not answer (is a frame rendered yet?)' };
    return this.copies.request((requestId) => panel.post({ type: 'copyPicture', requestId }), timeout);
  }

  // A failed save throws: VS Code shows the message and keeps the document dirty.
  saveCustomDocument(document: LabelMapDocument): Thenable<void> {
    return this.noted(document.save());
  }
  saveCustomDocumentAs(document: LabelMapDocument, destination: vscode.Uri): Thenable<void> {
    return this.noted(document.saveAs(destination));
  }
  revertCustomDocument(document: LabelMapDocument): Thenable<void> {
    return document.revert();
  }
  async backupCustomDocument(
    document: LabelMapDocument,
    context: vscode.CustomDocumentBackupContext,
  ): Promise<vscode.CustomDocumentBackup> {
    const backup = await document.backup(context.destination);
    this.dialogs.hooks.recordBackup(document.uri.toString(), backup.id);
    return backup;
  }

  /** Logs and records a failure before passing it on. */
  private async noted(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (e) {
      this.dialogs.note(`SPADE: ${(e as Error).message}`);
      throw e;
    }
  }
}

/** What a page needs to load `ck`: where to fetch its preview bytes. */
function checkpointFor(webview: vscode.Webview, ck: PreviewCheckpoint): CheckpointInfo {
  const { name, bytes, optTxt } = ck.info;
  const url = webview.asWebviewUri(ck.previewFile).toString();
  return { name, url, byteLength: bytes.byteLength, ...(optTxt !== undefined ? { optTxt } : {}) };
}
