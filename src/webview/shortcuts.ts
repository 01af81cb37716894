/**
 * The editor's keyboard shortcuts. The keys themselves are VS Code keybindings (package.json:
 * b f e i l r p a pick a tool, [ and ] change the brush size), so people see and rebind them in the
 * Keyboard Shortcuts editor; the host forwards the resolved action here.
 */
import type { EditorAction } from '../shared/protocol';
import { BRUSH_MAX, BRUSH_MIN, type Tool } from './ui_state';

export interface ShortcutActions {
  editable(): boolean;
  setTool(t: Tool): void;
  brushSize(): number;
  setBrushSize(size: number): void;
}

/**
 * Runs one action. `focused` is the webview's focused element: VS Code sees every key the
 * webview gets, so a letter typed into a text field arrives here too and is left alone.
 */
export function runEditorAction(action: EditorAction, a: ShortcutActions, focused: Element | null): boolean {
  if (focused && (focused.tagName === 'INPUT' || focused.tagName === 'TEXTAREA' || focused.tagName.startsWith('VSCODE-TEXT'))) return false;
  if (action === 'smaller' || action === 'larger') {
    const s = a.brushSize();
    const step = Math.max(1, Math.round(s * 0.15));
    a.setBrushSize(Math.max(BRUSH_MIN, Math.min(BRUSH_MAX, action === 'smaller' ? s - step : s + step)));
    return true;
  }
  if (!a.editable() && action !== 'eyedropper') return false;
  a.setTool(action);
  return true;
}
