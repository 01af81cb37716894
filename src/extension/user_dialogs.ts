/**
 * What the editor tells and asks the user: warnings (logged and recorded as notices too),
 * questions and the open dialog. Queued test answers and picks stand in for the user.
 */
import * as vscode from 'vscode';
import type { TestHooks } from './test_hooks';

export class UserDialogs {
  constructor(
    private readonly log: vscode.OutputChannel,
    readonly hooks: TestHooks,
  ) {}

  /** Logs and records a notice without showing it (the caller shows it, or asks). */
  note(text: string): string {
    this.hooks.recordNotice(text);
    this.log.appendLine(text);
    return text;
  }

  /** Logs, records and shows a warning. */
  warn(text: string): void {
    void vscode.window.showWarningMessage(this.note(text));
  }

  /** Asks the user (a warning with buttons); a queued test answer stands in for the click. */
  async ask(text: string, ...buttons: string[]): Promise<string | undefined> {
    const shown = vscode.window.showWarningMessage(text, ...buttons);
    const queued = this.hooks.answers.shift();
    return queued !== undefined ? queued : shown;
  }

  /**
   * A modal yes/no question (recorded as a notice); true when the user clicks `button`. A queued
   * test answer stands in for the click, and then nothing is shown: a modal would block the window.
   */
  async confirm(text: string, button: string, detail?: string): Promise<boolean> {
    this.hooks.recordNotice(detail ? `${text}\n${detail}` : text);
    const queued = this.hooks.answers.shift();
    const answer = queued !== undefined ? queued : await vscode.window.showWarningMessage(text, { modal: true, detail }, button);
    return answer === button;
  }

  /** VS Code's open dialog for one file; a queued test pick stands in for it. */
  async pickFile(options: vscode.OpenDialogOptions): Promise<vscode.Uri | undefined> {
    const queued = this.hooks.picks.shift();
    if (queued) return queued;
    return (await vscode.window.showOpenDialog({ ...options, canSelectMany: false }))?.[0];
  }
}
