/**
 * Interpolation between two styles: a slider renders (1 - t) mu_a + t mu_b live, and a strip
 * of N evenly spaced frames can be rendered and exported as PNG frames.
 */
import { lerpMu } from '../../model/style_math';
import { button, div, setDisabled } from '../ui';
import { drawRgba } from './pixels';
import type { ReadyStyle } from './style_list';

export interface InterpEvents {
  render(key: 'interp' | 'strip', zs: Float32Array[]): void;
  exportFrames(frames: { rgba: Uint8ClampedArray; width: number; height: number }[]): void;
}

export class InterpView {
  readonly el = document.createElement('section');
  readonly slider = document.createElement('input');
  readonly canvas = document.createElement('canvas');
  private readonly a = document.createElement('select');
  private readonly b = document.createElement('select');
  private readonly count = document.createElement('input');
  private readonly strip = document.createElement('div');
  private readonly stripBtn: HTMLElement;
  private readonly exportBtn: HTMLElement;
  private styles: ReadyStyle[] = [];
  private frames: ({ rgba: Uint8ClampedArray; width: number; height: number } | null)[] = [];

  constructor(private readonly events: InterpEvents) {
    this.el.className = 'styles-section';
    const head = document.createElement('h3');
    head.textContent = 'Interpolate';
    this.a.id = 'interp-a';
    this.b.id = 'interp-b';
    this.a.setAttribute('aria-label', 'First style');
    this.b.setAttribute('aria-label', 'Second style');
    for (const s of [this.a, this.b]) s.addEventListener('change', () => this.renderNow());
    Object.assign(this.slider, { type: 'range', min: '0', max: '100', value: '50', id: 'interp-slider', title: 't: 0 = first style, 1 = second' });
    this.slider.className = 'ui-slider interp-slider';
    this.slider.setAttribute('aria-label', 'Mix of the two styles');
    this.slider.addEventListener('input', () => this.renderNow());
    this.canvas.id = 'interp-canvas';
    this.canvas.className = 'style-tile large';
    Object.assign(this.count, { type: 'number', min: '2', max: '32', value: '5', id: 'strip-count', title: 'Frames in the strip' });
    this.count.className = 'strip-count';
    this.count.setAttribute('aria-label', 'Frames in the strip');
    this.stripBtn = button('Render strip', { secondary: true, id: 'strip-render', onClick: () => this.renderStrip() });
    this.exportBtn = button('Export frames', { secondary: true, id: 'strip-export', title: 'Writes <mask>.interp_<k>.png and the animation <mask>.interp_anim.png next to the mask', onClick: () => this.export() });
    this.strip.className = 'strip';
    this.strip.id = 'interp-strip';
    this.el.append(
      head,
      div('styles-row', 'from', this.a, 'to', this.b),
      div('styles-row', this.slider, this.canvas),
      div('styles-row', this.count, 'frames', this.stripBtn, this.exportBtn),
      this.strip,
    );
    this.setStyles([]);
  }

  setStyles(styles: ReadyStyle[]): void {
    const keep = [this.a.value, this.b.value];
    this.styles = styles;
    // Keep the user's pair while both still exist and differ; else the first two styles.
    const valid = keep[0] !== keep[1] && keep.every((v) => styles.some((s) => String(s.id) === v));
    [this.a, this.b].forEach((sel, k) => {
      sel.replaceChildren(...styles.map((s) => new Option(s.name, String(s.id))));
      sel.value = valid ? keep[k] : String(styles[Math.min(k, styles.length - 1)]?.id ?? '');
    });
    const ok = styles.length >= 2;
    this.el.classList.toggle('disabled', !ok);
    setDisabled(this.slider, !ok);
    setDisabled(this.stripBtn, !ok);
    setDisabled(this.exportBtn, !ok || this.frames.length === 0 || this.frames.some((f) => !f));
  }

  private pair(): [ReadyStyle, ReadyStyle] | null {
    const a = this.styles.find((s) => String(s.id) === this.a.value);
    const b = this.styles.find((s) => String(s.id) === this.b.value);
    return a && b && this.styles.length >= 2 ? [a, b] : null;
  }

  /** The slider's frame (also after a mask change). */
  renderNow(): void {
    const p = this.pair();
    if (p) this.events.render('interp', [lerpMu(p[0], p[1], Number(this.slider.value) / 100)]);
  }

  private renderStrip(): void {
    const p = this.pair();
    if (!p) return;
    const n = Math.max(2, Math.min(32, Math.round(Number(this.count.value)) || 5));
    this.count.value = String(n);
    this.frames = Array.from({ length: n }, () => null);
    this.strip.replaceChildren(...this.frames.map(() => Object.assign(document.createElement('canvas'), { className: 'style-tile strip-frame' })));
    setDisabled(this.exportBtn, true);
    this.events.render('strip', this.frames.map((_, k) => lerpMu(p[0], p[1], k / (n - 1))));
  }

  showInterp(rgba: Uint8ClampedArray, w: number, h: number, setId: number): void {
    drawRgba(this.canvas, rgba, w, h);
    this.canvas.dataset.setId = String(setId);
  }

  showStripFrame(index: number, rgba: Uint8ClampedArray, w: number, h: number): void {
    const c = this.strip.children[index] as HTMLCanvasElement | undefined;
    if (!c || index >= this.frames.length) return;
    this.frames[index] = { rgba: rgba.slice(), width: w, height: h };
    drawRgba(c, rgba, w, h);
    c.dataset.rendered = 'true';
    setDisabled(this.exportBtn, this.frames.some((f) => !f));
  }

  private export(): void {
    type Rendered = { rgba: Uint8ClampedArray; width: number; height: number };
    if (this.frames.length && this.frames.every((f) => f)) this.events.exportFrames(this.frames as Rendered[]);
  }
}
