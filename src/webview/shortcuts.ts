/** The editor's keyboard shortcuts: b f e i l r p a pick a tool, [ and ] change the brush size. */
import { BRUSH_MAX, BRUSH_MIN, type Tool } from './ui_state';

export interface ShortcutActions {
  editable(): boolean;
  setTool(t: Tool): void;
  brushSize(): number;
  setBrushSize(size: number): void;
}

const TOOL_KEYS: Record<string, Tool> = { b: 'brush', f: 'fill', e: 'eraser', i: 'eyedropper', l: 'line', r: 'rect', p: 'polygon', a: 'lasso' };

export function installShortcuts(target: Document, actions: ShortcutActions): void {
  target.addEventListener('keydown', (e) => onKey(e, actions));
}

function onKey(e: KeyboardEvent, a: ShortcutActions): void {
  const t = e.target as HTMLElement | null;
  // Typing in a text field, or a chord the host handles.
  if (e.ctrlKey || e.metaKey || (t && (t.tagName === 'INPUT' || t.tagName.startsWith('VSCODE-TEXT')))) return;
  const tool = Object.hasOwn(TOOL_KEYS, e.key.toLowerCase()) ? TOOL_KEYS[e.key.toLowerCase()] : undefined;
  if (tool) {
    if (a.editable() || tool === 'eyedropper') a.setTool(tool);
  } else if (e.key === '[' || e.key === ']') {
    const s = a.brushSize();
    const step = Math.max(1, Math.round(s * 0.15));
    a.setBrushSize(Math.max(BRUSH_MIN, Math.min(BRUSH_MAX, e.key === '[' ? s - step : s + step)));
  } else return;
  e.preventDefault();
}
