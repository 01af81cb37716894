/**
 * What the integration tests read back from the editor and what they queue in place of a
 * user's clicks and picks, kept together in one object.
 */
import type * as vscode from 'vscode';

/** Records are capped: a long session must not grow them without end. */
const MAX_RECORDS = 50;

export class TestHooks {
  /** What the editor told the user, newest last. */
  readonly notices: string[] = [];
  /** Hot-exit backups VS Code asked for, newest last (document URI and backup id). */
  readonly backups: { file: string; id: string }[] = [];
  /** Answers for the next questions, in place of a click. */
  readonly answers: string[] = [];
  /** Files for the next open dialogs, in place of a pick. */
  readonly picks: vscode.Uri[] = [];

  recordNotice(text: string): void {
    push(this.notices, text);
  }

  recordBackup(file: string, id: string): void {
    push(this.backups, { file, id });
  }
}

function push<T>(records: T[], item: T): void {
  records.push(item);
  if (records.length > MAX_RECORDS) records.shift();
}
