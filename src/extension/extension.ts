/**
 * VS Code host entry. The label-map editor, commands and tasks arrive with the editor
 * issue; until then the extension activates and registers nothing.
 */
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
