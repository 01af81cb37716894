/**
 * Per-region style: one class of the mask painted in a style from the list, the rest in the
 * main view's style, composited in image space (see region_composite.ts).
 */
import { drawRgba } from './pixels';
import { composite, regionAlpha } from './region_composite';
import type { ReadyStyle } from './style_list';
import { div } from '../ui';

/** Seam width at the output size, in pixels on each side. */
const FEATHER = 2;

export interface RegionInputs {
  mask: { ids: Int32Array; width: number; height: number };
  /** The main view's style code. */
  baseZ: Float32Array;
  classNames: string[];
}

export class RegionView {
  readonly el = document.createElement('section');
  readonly canvas = document.createElement('canvas');
  private readonly classSel = document.createElement('select');
  private readonly styleSel = document.createElement('select');
  private styles: ReadyStyle[] = [];
  private pending: { setId: number; alpha: Float32Array | null; tiles: (Uint8ClampedArray | null)[]; mask: RegionInputs['mask']; classId: number } | null = null;

  constructor(
    private readonly inputs: () => RegionInputs | null,
    private readonly render: (zs: Float32Array[]) => number | null,
  ) {
    this.el.className = 'styles-section';
    const head = document.createElement('h3');
    head.textContent = 'Region style';
    this.classSel.id = 'region-class';
    this.styleSel.id = 'region-style';
    this.classSel.setAttribute('aria-label', 'Class to restyle');
    this.styleSel.setAttribute('aria-label', 'Style for that class');
    for (const s of [this.classSel, this.styleSel]) s.addEventListener('change', () => this.request());
    this.canvas.id = 'region-canvas';
    this.canvas.className = 'style-tile large';
    const note = 'The rest keeps the main view\'s style; the two renders are cross-faded over a few pixels at the border (image space).';
    this.el.append(head, div('styles-row', 'paint', this.classSel, 'in', this.styleSel), this.canvas, div('styles-note', note));
  }

  setStyles(styles: ReadyStyle[]): void {
    const keep = this.styleSel.value;
    this.styles = styles;
    this.styleSel.replaceChildren(new Option('(none)', ''), ...styles.map((s) => new Option(s.name, String(s.id))));
    this.styleSel.value = styles.some((s) => String(s.id) === keep) ? keep : '';
  }

  /** Classes present in the mask, for the class picker (keeps the pick while it is present). */
  setClasses(present: { id: number; name: string }[]): void {
    const keep = this.classSel.value;
    const key = present.map((c) => c.id).join();
    if (this.classSel.dataset.key === key) return;
    this.classSel.dataset.key = key;
    this.classSel.replaceChildren(...present.map((c) => new Option(c.name, String(c.id))));
    if (present.some((c) => String(c.id) === keep)) this.classSel.value = keep;
  }

  /** Renders the base and region pictures for the current mask, if a class and a style are picked. */
  request(): void {
    const style = this.styles.find((s) => String(s.id) === this.styleSel.value);
    const inp = this.inputs();
    if (!style || !inp || this.classSel.value === '') return;
    const setId = this.render([inp.baseZ, style.mu]);
    const classId = Number(this.classSel.value);
    if (setId !== null) this.pending = { setId, alpha: null, tiles: [null, null], mask: inp.mask, classId };
  }

  onTile(setId: number, index: number, rgba: Uint8ClampedArray, w: number, h: number): void {
    const p = this.pending;
    if (!p || p.setId !== setId) return;
    p.tiles[index] = rgba;
    if (!p.tiles[0] || !p.tiles[1]) return;
    p.alpha ??= regionAlpha(p.mask.ids, p.mask.width, p.mask.height, p.classId, w, h, FEATHER);
    drawRgba(this.canvas, composite(p.tiles[0], p.tiles[1], p.alpha), w, h);
    this.canvas.dataset.setId = String(setId);
  }
}
