/** `spadeStudio.painted`: set at the first stroke in any SPADE editor; the walkthrough's "paint" step completes on it. */
import * as vscode from 'vscode';

let painted = false;

export function markPainted(): void {
  if (painted) return;
  painted = true;
  void vscode.commands.executeCommand('setContext', 'spadeStudio.painted', true);
}
