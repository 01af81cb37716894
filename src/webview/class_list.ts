/**
 * The sidebar: a searchable class palette (swatch, name, file id; filter by name or id;
 * keyboard navigable) and a legend of the classes present in the mask, largest first.
 */
import type { LabelPalette, ClassEntry } from './label_palette';
import { textField, type TextField } from './ui';

export interface ClassListEvents {
  onPick(fileId: number): void;
  onFilter(text: string): void;
  /** Replace every pixel of class `from` with `to` (the legend's "Replace … with…"). */
  onReplace(from: number, to: number): void;
}

/** The legend's class picker closes this long after it loses focus. */
const BLUR_CLOSE_MS = 300;

export class ClassList {
  readonly el: HTMLElement;
  private readonly filter: TextField;
  private readonly list: HTMLElement;
  private readonly legend: HTMLElement;
  private palette: LabelPalette | null = null;
  private selected: number | null = null;
  private items: { entry: ClassEntry; el: HTMLElement }[] = [];

  constructor(
    private readonly events: ClassListEvents,
    filterText: string,
  ) {
    this.el = document.createElement('aside');
    this.el.className = 'sidebar';
    const h1 = heading('Classes');
    this.filter = textField({
      placeholder: 'Filter classes',
      value: filterText,
      id: 'class-filter',
      title: 'Filter by name or id',
      onInput: (v) => {
        this.applyFilter(v);
        this.events.onFilter(v);
      },
    });
    this.list = document.createElement('div');
    this.list.className = 'class-list';
    this.list.id = 'class-list';
    // A listbox that keeps focus itself and points at the selected row, so screen readers read
    // the row as the arrows move it (aria-activedescendant), not a row per Tab stop.
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', 'Classes to paint with');
    this.list.tabIndex = 0;
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    const h2 = heading('In this map');
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    this.legend.id = 'legend';
    this.legend.setAttribute('role', 'list');
    // It scrolls: a Tab stop lets the keyboard scroll it too.
    this.legend.tabIndex = 0;
    this.legend.setAttribute('aria-label', 'Classes in this map, largest first');
    this.el.append(h1, this.filter.el, this.list, h2, this.legend);
  }

  setPalette(p: LabelPalette): void {
    this.palette = p;
    this.list.replaceChildren();
    this.items = p.classes.map((entry) => {
      const el = row(entry, String(entry.fileId));
      el.id = `class-option-${entry.fileId}`;
      el.setAttribute('role', 'option');
      el.addEventListener('click', () => this.events.onPick(entry.fileId));
      this.list.appendChild(el);
      return { entry, el };
    });
    this.applyFilter(this.filter.value);
    this.setSelected(this.selected);
  }

  setSelected(fileId: number | null): void {
    this.selected = fileId;
    for (const it of this.items) {
      const on = it.entry.fileId === fileId;
      it.el.setAttribute('aria-selected', String(on));
      it.el.classList.toggle('active', on);
      if (on) this.list.setAttribute('aria-activedescendant', it.el.id);
      if (on && !it.el.hidden) it.el.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Legend rows for the mask's histogram; ids that fit no class are flagged. */
  setHistogram(hist: { id: number; count: number }[], total: number): void {
    const p = this.palette;
    if (!p) return;
    this.legend.replaceChildren();
    for (const { id, count } of hist) {
      const entry = p.get(id);
      const pct = (100 * count) / total;
      const r = row(entry ?? { fileId: id, name: `#${id} (not in the label set)`, rgb: [255, 0, 255], css: 'rgb(255, 0, 255)' }, pct >= 0.1 ? `${pct.toFixed(1)}%` : '<0.1%');
      r.title = `${entry?.name ?? 'unknown id'} · id ${id} · ${count} px`;
      r.setAttribute('role', 'listitem');
      if (!entry) r.classList.add('invalid');
      else r.addEventListener('click', () => this.events.onPick(id));
      r.append(this.replaceButton(id, entry?.name ?? `#${id}`));
      this.legend.appendChild(r);
    }
  }

  /** A button that turns into a class picker; picking replaces the class everywhere. */
  private replaceButton(fromId: number, fromName: string): HTMLElement {
    const b = document.createElement('button');
    b.className = 'replace-class';
    b.textContent = '⇄';
    b.title = `Replace ${fromName} with…`;
    b.setAttribute('aria-label', `Replace ${fromName} with…`);
    b.dataset.id = String(fromId);
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      const p = this.palette;
      if (!p) return;
      const sel = document.createElement('select');
      sel.className = 'replace-select';
      sel.dataset.from = String(fromId);
      sel.setAttribute('aria-label', `Replace ${fromName} with`);
      sel.append(new Option(`Replace ${fromName} with…`, ''));
      for (const c of p.classes) if (c.fileId !== fromId) sel.append(new Option(`${c.name} (${c.fileId})`, String(c.fileId)));
      sel.addEventListener('click', (ev) => ev.stopPropagation());
      const pick = () => {
        if (!sel.isConnected || sel.value === '') return;
        sel.remove();
        this.events.onReplace(fromId, Number(sel.value));
      };
      sel.addEventListener('input', pick);
      sel.addEventListener('change', pick);
      sel.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') sel.remove();
      });
      // Later than a pick that focus changes may interleave with.
      sel.addEventListener('blur', () => setTimeout(() => sel.remove(), BLUR_CLOSE_MS));
      b.after(sel);
      sel.focus();
    });
    return b;
  }

  private applyFilter(text: string): void {
    const q = text.trim().toLowerCase();
    let shown = 0;
    for (const it of this.items) {
      const hit = q === '' || it.entry.name.toLowerCase().includes(q) || String(it.entry.fileId) === q;
      it.el.hidden = !hit;
      if (hit) shown++;
    }
    let note = this.list.querySelector('.empty-note');
    if (shown === 0 && this.items.length) {
      if (!note) {
        note = document.createElement('div');
        note.className = 'empty-note';
        note.textContent = 'No class matches';
        this.list.appendChild(note);
      }
    } else note?.remove();
  }

  /** Up/Down move the selection among the visible classes; Home/End go to the first/last. */
  private onKey(e: KeyboardEvent): void {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (!Object.hasOwn(moves, e.key)) return;
    e.preventDefault();
    const visible = this.items.filter((it) => !it.el.hidden);
    if (!visible.length) return;
    const i = visible.findIndex((it) => it.entry.fileId === this.selected);
    const j = i < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, i + moves[e.key]));
    this.events.onPick(visible[j].entry.fileId);
  }
}

function heading(text: string): HTMLElement {
  const h = document.createElement('h2');
  h.textContent = text;
  return h;
}

function row(entry: ClassEntry, right: string): HTMLElement {
  const el = document.createElement('div');
  el.className = 'class-item';
  el.dataset.id = String(entry.fileId);
  const sw = document.createElement('span');
  sw.className = 'swatch';
  sw.style.background = entry.css;
  const name = document.createElement('span');
  name.className = 'class-name';
  name.textContent = entry.name;
  const id = document.createElement('span');
  id.className = 'class-id';
  id.textContent = right;
  el.append(sw, name, id);
  return el;
}
