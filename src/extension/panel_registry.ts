/** Every open SPADE panel, whichever view type opened it; commands look panels up here. */
import type * as vscode from 'vscode';
import type { Panel } from './panel';

export class PanelRegistry {
  readonly panels = new Set<Panel>();
  active?: Panel;

  find(uri?: vscode.Uri): Panel | undefined {
    if (!uri) return this.active ?? [...this.panels][0];
    return [...this.panels].find((p) => p.document.uri.toString() === uri.toString());
  }
}
