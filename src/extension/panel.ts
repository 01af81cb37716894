/**
 * One open SPADE editor panel: its document, its webview and the provider that opened it.
 * Its own module so that the modules a panel is handed to (commands, style sets) need not
 * import the provider, which imports them.
 */
import type * as vscode from 'vscode';
import type { LabelMapDocument } from './label_document';
import type { HostToWebview, PictureSize, PictureStyle, StatusMessage } from '../shared/protocol';
import type { PreviewTrace, TraceKind } from '../shared/preview_trace';
import type { FirstPicture } from './first_picture/first_picture_renderer';

/** What commands and the tests ask of the provider that opened a panel. */
export interface PanelProvider {
  openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<LabelMapDocument>;
  saveCustomDocumentAs(document: LabelMapDocument, destination: vscode.Uri): Thenable<void>;
  /** The panel's current synthesized image as PNG bytes, at the model's size or upsampled to `size`. */
  requestExport(panel: Panel, size?: PictureSize): Promise<ExportedPicture>;
  /** Puts the panel's current picture on the clipboard; why it could not, or undefined. */
  requestCopy(panel: Panel): Promise<string | undefined>;
  /** Handles a message as if the panel's webview had sent it (same validation). */
  receive(panel: Panel, raw: unknown): Promise<void>;
}

export interface ExportedPicture {
  png: Uint8Array;
  width: number;
  height: number;
  style: PictureStyle;
}

export interface Panel {
  document: LabelMapDocument;
  webview: vscode.WebviewPanel;
  provider: PanelProvider;
  status?: StatusMessage;
  /** The spade.maxPixels last sent to the webview (init or settings). */
  maxPixels?: number;
  /** When the user opened it or showed it again (epoch ms): its page's first picture's latency trace starts there. */
  openedAt: number;
  /** When the host last applied a stroke from this panel (epoch ms). */
  editAppliedAt?: number;
  /** The host's first picture, started as the panel opened, until its page is ready for it. */
  firstPicture?: Promise<FirstPicture | undefined>;
  /** How many first pictures the host sent this panel (the integration tests read it). */
  firstPicturesSent?: number;
  /** The last latency trace of each kind (SPADE: Show Preview Timings). */
  traces: Partial<Record<TraceKind, PreviewTrace>>;
  post(m: HostToWebview): void;
}
