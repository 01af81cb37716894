/**
 * The walkthrough's progress as context keys: `spadeStudio.opened` when a SPADE editor first shows
 * a label map (however it was opened: the Explorer, a command, a restored tab) and
 * `spadeStudio.painted` at the first stroke. Steps complete on them (`onContext:`), because the
 * actions they stand for need not go through a command.
 */
import * as vscode from 'vscode';

const set = new Set<string>();

function mark(key: string): void {
  if (set.has(key)) return;
  set.add(key);
  void vscode.commands.executeCommand('setContext', key, true);
}

export const markOpened = (): void => mark('spadeStudio.opened');
export const markPainted = (): void => mark('spadeStudio.painted');
