/** A 2-D PCA of the style codes' means, with each style's thumbnail as its marker. */
import { pca2, type Code } from '../../model/style_math';

const SIZE = 220;
const MARK = 26;
const SVG = 'http://www.w3.org/2000/svg';

export class PcaView {
  readonly el = document.createElement('section');
  private readonly svg = document.createElementNS(SVG, 'svg');

  constructor() {
    this.el.className = 'styles-section';
    const head = document.createElement('h3');
    head.textContent = 'PCA of the codes (mu)';
    this.svg.setAttribute('viewBox', `0 0 ${SIZE} ${SIZE}`);
    this.svg.setAttribute('width', String(SIZE));
    this.svg.setAttribute('height', String(SIZE));
    this.svg.classList.add('pca-plot');
    this.svg.id = 'pca-plot';
    this.el.append(head, this.svg);
  }

  update(names: string[], codes: Code[], thumbs: (HTMLCanvasElement | null)[]): void {
    this.svg.replaceChildren();
    const pts = pca2(codes);
    const span = Math.max(1e-9, ...pts.flatMap(([x, y]) => [Math.abs(x), Math.abs(y)]));
    const pad = MARK / 2 + 4;
    const at = (v: number) => SIZE / 2 + (v / span) * (SIZE / 2 - pad);
    for (const [x1, y1, x2, y2] of [[pad, SIZE / 2, SIZE - pad, SIZE / 2], [SIZE / 2, pad, SIZE / 2, SIZE - pad]]) {
      const axis = document.createElementNS(SVG, 'line');
      Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => axis.setAttribute(k, String(v)));
      axis.classList.add('pca-axis');
      this.svg.append(axis);
    }
    pts.forEach(([x, y], i) => {
      const g = document.createElementNS(SVG, 'g');
      g.classList.add('pca-point');
      g.dataset.name = names[i];
      g.dataset.x = String(x);
      g.dataset.y = String(y);
      const cx = at(x);
      const cy = at(-y);
      const thumb = thumbs[i];
      if (thumb) {
        const img = document.createElementNS(SVG, 'image');
        img.setAttribute('href', thumb.toDataURL());
        Object.entries({ x: cx - MARK / 2, y: cy - MARK / 2, width: MARK, height: MARK }).forEach(([k, v]) =>
          img.setAttribute(k, String(v)),
        );
        g.append(img);
      } else {
        const c = document.createElementNS(SVG, 'circle');
        Object.entries({ cx, cy, r: 6 }).forEach(([k, v]) => c.setAttribute(k, String(v)));
        g.append(c);
      }
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${i + 1} ${names[i]} (${x.toFixed(3)}, ${y.toFixed(3)})`;
      g.append(title);
      this.svg.append(g);
    });
  }
}
