/** The editor actions VS Code's keybindings resolve: tools, brush size, and text fields left alone. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEditorAction, type ShortcutActions } from '../../src/webview/shortcuts';
import type { Tool } from '../../src/webview/ui_state';

function actions(editable: boolean): ShortcutActions & { tool: Tool | null; size: number } {
  return {
    tool: null,
    size: 20,
    editable: () => editable,
    setTool(t) {
      this.tool = t;
    },
    brushSize() {
      return this.size;
    },
    setBrushSize(n) {
      this.size = n;
    },
  };
}
const el = (tagName: string) => ({ tagName }) as Element;

test('picks the tool and changes the brush size by a step', () => {
  const a = actions(true);
  assert.equal(runEditorAction('fill', a, el('CANVAS')), true);
  assert.equal(a.tool, 'fill');
  runEditorAction('larger', a, null);
  assert.equal(a.size, 23);
  runEditorAction('smaller', a, null);
  assert.equal(a.size, 20);
});

test('a key typed into a text field is left to the field', () => {
  for (const tag of ['INPUT', 'TEXTAREA', 'VSCODE-TEXT-FIELD']) {
    const a = actions(true);
    assert.equal(runEditorAction('brush', a, el(tag)), false);
    assert.equal(a.tool, null);
  }
});

test('a read-only map allows the eyedropper only', () => {
  const a = actions(false);
  assert.equal(runEditorAction('brush', a, null), false);
  assert.equal(runEditorAction('eyedropper', a, null), true);
  assert.equal(a.tool, 'eyedropper');
});
