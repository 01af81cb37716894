/**
 * SPADE: Show Preview Timings: the active preview's last latency traces (its first picture after
 * opening, and the picture after its last stroke), mark by mark, in the SPADE Studio output.
 */
import * as vscode from 'vscode';
import { formatTrace } from '../shared/preview_trace';
import type { Panel } from './panel';
import type { PanelRegistry } from './panel_registry';

/** The lines the command prints for a panel. */
export function previewTimingLines(panel: Panel): string[] {
  const lines = [`${panel.document.fileName}: preview timings (ms since the wait began, and since the previous mark)`];
  const { open, stroke } = panel.traces;
  if (!open && !stroke) lines.push('  no picture yet');
  if (open) lines.push(...formatTrace(open));
  if (stroke) lines.push(...formatTrace(stroke));
  return lines;
}

export function registerPreviewTimings(
  context: vscode.ExtensionContext,
  registry: PanelRegistry,
  log: vscode.OutputChannel,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('spade.showPreviewTimings', () => {
      const panel = registry.find();
      if (!panel) {
        void vscode.window.showErrorMessage('SPADE: open a label map in the SPADE editor first.');
        return undefined;
      }
      const lines = previewTimingLines(panel);
      for (const l of lines) log.appendLine(l);
      log.show(true);
      return lines;
    }),
  );
}
