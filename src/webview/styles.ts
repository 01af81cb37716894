/**
 * The webview's stylesheet, themed with VS Code's CSS variables. Installed as a
 * constructable stylesheet (no CSP nonce needed); where that is missing, as a
 * `<style nonce>` with the nonce the host put on <body data-nonce>.
 */

const CSS = /* css */ `
:root { color-scheme: light dark; }
html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; }
body {
  background: var(--vscode-editor-background, #1e1e1e);
  color: var(--vscode-foreground, #cccccc);
  font-family: var(--vscode-font-family, system-ui, sans-serif);
  font-size: var(--vscode-font-size, 13px);
}
#app { display: grid; grid-template-rows: auto 1fr auto; height: 100vh; }

/* toolbar */
.toolbar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px;
  padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35));
}
.ui-group { display: flex; align-items: center; gap: 4px; }
.ui-group-label { color: var(--vscode-descriptionForeground, #9d9d9d); margin-right: 2px; user-select: none; }
.ui-divider { align-self: stretch; width: 1px; background: var(--vscode-panel-border, rgba(128,128,128,.35)); }
.ui-slider { width: 90px; accent-color: var(--vscode-button-background, #0e639c); }
.ui-slider:disabled { opacity: .4; }
.value-label { min-width: 2.5em; font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground, #9d9d9d); }
.style-name { color: var(--vscode-descriptionForeground, #9d9d9d); max-width: 14em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }

/* body: palette on the left, canvases on the right */
.main { display: grid; grid-template-columns: minmax(180px, 230px) 1fr; min-height: 0; }
.sidebar {
  display: flex; flex-direction: column; min-height: 0; gap: 6px; padding: 8px;
  border-right: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35));
}
.sidebar h2 {
  font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; margin: 4px 0 0;
  color: var(--vscode-descriptionForeground, #9d9d9d);
}
.class-list { flex: 1 1 60%; overflow-y: auto; min-height: 80px; outline: none; }
/* The listbox keeps DOM focus and points at its row (aria-activedescendant): the ring goes on both. */
.class-list:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: -1px; }
.class-list:focus-visible .class-item.active { outline: 1px dashed var(--vscode-focusBorder, #007fd4); outline-offset: -1px; }
#mask-canvas:focus-visible, .ui-slider:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: 1px; }
/* Read by screen readers, not shown: the status line's announcements. */
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
/* High Contrast themes draw shapes with borders, not fills: rows, toggles and panels get outlines. */
body.vscode-high-contrast .class-item[aria-selected="true"],
body.vscode-high-contrast-light .class-item[aria-selected="true"] {
  outline: 1px solid var(--vscode-contrastActiveBorder, #f38518); outline-offset: -1px;
}
body.vscode-high-contrast .class-item:hover, body.vscode-high-contrast-light .class-item:hover {
  outline: 1px dashed var(--vscode-contrastActiveBorder, #f38518); outline-offset: -1px;
}
body.vscode-high-contrast [aria-pressed="true"], body.vscode-high-contrast-light [aria-pressed="true"] {
  outline: 2px solid var(--vscode-contrastActiveBorder, #f38518); outline-offset: 1px;
}
body.vscode-high-contrast :focus-visible, body.vscode-high-contrast-light :focus-visible {
  outline: 1px solid var(--vscode-contrastActiveBorder, #f38518) !important;
}
body.vscode-high-contrast .toolbar, body.vscode-high-contrast .sidebar, body.vscode-high-contrast #status,
body.vscode-high-contrast-light .toolbar, body.vscode-high-contrast-light .sidebar, body.vscode-high-contrast-light #status {
  border-color: var(--vscode-contrastBorder, #6fc3df);
}
.legend { flex: 0 1 40%; overflow-y: auto; min-height: 40px; }
.class-item {
  display: grid; grid-template-columns: 14px 1fr auto; align-items: center; gap: 6px;
  padding: 2px 4px; border-radius: 3px; cursor: pointer; user-select: none;
}
/* The filter hides rows with the hidden attribute, which display: grid would override. */
.class-item[hidden] { display: none; }
.class-item:hover { background: var(--vscode-list-hoverBackground, rgba(128,128,128,.15)); }
.class-item[aria-selected="true"] {
  background: var(--vscode-list-activeSelectionBackground, #04395e);
  color: var(--vscode-list-activeSelectionForeground, #ffffff);
}
.swatch { width: 12px; height: 12px; border: 1px solid var(--vscode-panel-border, rgba(128,128,128,.6)); box-sizing: border-box; }
.class-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.class-id { color: var(--vscode-descriptionForeground, #9d9d9d); font-variant-numeric: tabular-nums; }
.class-item[aria-selected="true"] .class-id { color: inherit; }
.invalid .class-name { color: var(--vscode-errorForeground, #f48771); }
.empty-note { color: var(--vscode-descriptionForeground, #9d9d9d); padding: 2px 4px; }

/* stage: each pane fills its share; the canvases are placed inside by the zoom/pan transform */
.stage { position: relative; min-width: 0; min-height: 0; overflow: hidden; padding: 10px; box-sizing: border-box; }
.panes { display: flex; gap: 10px; height: 100%; position: relative; }
.panes.stacked { flex-direction: column; }
.pane { position: relative; flex: 1 1 0; min-width: 0; min-height: 0; overflow: hidden; }
.panes.overlay .pane.output { position: absolute; inset: 0; pointer-events: none; }
.panes.pan-ready, .panes.pan-ready #mask-canvas { cursor: grab; }
.panes.panning, .panes.panning #mask-canvas { cursor: grabbing; }
canvas {
  display: block; image-rendering: pixelated; image-rendering: crisp-edges;
  background: repeating-conic-gradient(rgba(128,128,128,.25) 0% 25%, transparent 0% 50%) 50% / 16px 16px;
}
.pane canvas { position: absolute; }
canvas.shape-preview { background: none; pointer-events: none; }
#mask-canvas { touch-action: none; cursor: crosshair; }
#mask-canvas.tool-eyedropper { cursor: copy; }
#mask-canvas.readonly { cursor: not-allowed; }
.hover-info {
  position: absolute; left: 4px; bottom: 4px; padding: 1px 5px; border-radius: 3px; pointer-events: none; z-index: 1;
  background: var(--vscode-editorWidget-background, rgba(30,30,30,.85)); color: var(--vscode-editorWidget-foreground, #ccc);
  font-size: 11px; display: none; white-space: nowrap;
}
.legend .class-item { grid-template-columns: 14px 1fr auto auto; }
.replace-class {
  background: none; border: none; padding: 0 2px; cursor: pointer; color: var(--vscode-descriptionForeground, #9d9d9d);
  visibility: hidden;
}
.class-item:hover .replace-class, .replace-class:focus { visibility: visible; }
.replace-select {
  grid-column: 1 / -1; background: var(--vscode-dropdown-background, #3c3c3c);
  color: var(--vscode-dropdown-foreground, #ccc); border: 1px solid var(--vscode-dropdown-border, #3c3c3c);
}

/* Styles panel (src/webview/styles/) */
/* The panel opens below the canvases, behind a draggable split, so it never narrows them. */
.main:has(.styles-panel:not([hidden])) { grid-template-rows: minmax(120px, 1fr) auto var(--styles-height, 40%); }
.main:has(.styles-panel:not([hidden])) .sidebar { grid-row: 1 / span 3; }
.main:has(.styles-panel:not([hidden])) .styles-split { display: block; }
.styles-split {
  display: none; grid-column: 2; height: 5px; cursor: row-resize; touch-action: none;
  border-top: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35));
}
.styles-split:hover, .styles-split.dragging { background: var(--vscode-sash-hoverBorder, #007fd4); }
.styles-panel[hidden] { display: none; }
.styles-panel {
  grid-column: 2; overflow-y: auto; min-height: 0; padding: 8px; display: flex; flex-direction: column; gap: 10px;
}
.styles-panel h2, .styles-panel h3 {
  font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; margin: 0;
  color: var(--vscode-descriptionForeground, #9d9d9d);
}
.styles-head h2 { flex: 1; }
.styles-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; }
.styles-panel.drop-target { outline: 2px dashed var(--vscode-focusBorder, #007fd4); outline-offset: -4px; }
.styles-note { color: var(--vscode-descriptionForeground, #9d9d9d); }
.styles-note:empty { display: none; }
.styles-section { display: flex; flex-direction: column; gap: 6px; }
.styles-section.disabled { opacity: .5; }
.style-rows { display: flex; flex-direction: column; gap: 6px; color: var(--vscode-descriptionForeground, #9d9d9d); }
.style-row { display: grid; grid-template-columns: 64px 96px 1fr; gap: 8px; align-items: start; color: var(--vscode-foreground, #ccc); }
.style-row[data-state="error"] .style-status { color: var(--vscode-errorForeground, #f48771); }
.style-thumb { width: 64px; height: auto; max-height: 64px; object-fit: contain; }
.style-thumb.none { font-size: 11px; color: var(--vscode-descriptionForeground, #9d9d9d); }
.style-tile { width: 96px; height: 96px; }
.style-tile.large { width: 160px; height: 160px; }
.style-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.style-status { font-size: 11px; color: var(--vscode-descriptionForeground, #9d9d9d); overflow-wrap: anywhere; }
.distance-matrix { border-collapse: collapse; font-size: 11px; align-self: flex-start; }
.pca-plot, .strip-count { align-self: flex-start; }
.distance-matrix th { font-weight: normal; padding: 1px 4px; text-align: left; max-width: 8em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.distance-matrix td.dist { width: 22px; height: 22px; cursor: default; }
.distance-readout { font-size: 11px; font-variant-numeric: tabular-nums; min-height: 1.3em; }
.pca-plot { background: var(--vscode-editorWidget-background, rgba(128,128,128,.08)); border-radius: 3px; }
.pca-axis { stroke: var(--vscode-panel-border, rgba(128,128,128,.5)); stroke-width: 1; }
.pca-point circle { fill: var(--vscode-button-background, #0e639c); }
.interp-slider { width: 140px; }
.strip { display: flex; flex-wrap: wrap; gap: 4px; }
.strip-frame { width: 64px; height: 64px; }
.strip-count { width: 3.5em; }
.styles-panel select, .styles-panel input[type="number"] {
  background: var(--vscode-dropdown-background, #3c3c3c); color: var(--vscode-dropdown-foreground, #ccc);
  border: 1px solid var(--vscode-dropdown-border, #3c3c3c); max-width: 10em;
}

/* status line */
#status {
  padding: 3px 10px; border-top: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35));
  color: var(--vscode-descriptionForeground, #9d9d9d); white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font-variant-numeric: tabular-nums;
}
#status.error { color: var(--vscode-errorForeground, #f48771); }
`;

export function installStyles(): void {
  const doc = document as Document & { adoptedStyleSheets?: CSSStyleSheet[] };
  if (Array.isArray(doc.adoptedStyleSheets) && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement('style');
  const nonce = document.body.dataset.nonce ?? (document.currentScript as HTMLScriptElement | null)?.nonce;
  if (nonce) style.setAttribute('nonce', nonce);
  style.textContent = CSS;
  document.head.appendChild(style);
}
