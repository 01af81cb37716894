/**
 * The distance matrix as a heat map (a table: each cell's colour scales with its value, the
 * value shows on hover and sits in data-value for tests), switchable between the mean L2
 * distance of mu and the symmetric KL of the two Gaussians.
 */
import { distanceMatrix, type Code, type DistanceKind } from '../../model/style_math';
import { button, div, setPressed } from '../ui';

const LABELS: Record<DistanceKind, [string, string]> = {
  l2: ['Mean L2', 'Root-mean-square difference of the codes\' means: ||mu_a - mu_b|| / sqrt(z_dim)'],
  kl: ['Symmetric KL', 'KL(a||b) + KL(b||a) of the Gaussians N(mu, exp(logvar)), in nats'],
};

export class DistanceView {
  readonly el = document.createElement('section');
  private kind: DistanceKind = 'l2';
  private readonly table = document.createElement('table');
  private readonly readout = document.createElement('div');
  private readonly buttons = new Map<DistanceKind, HTMLElement>();
  private last: { names: string[]; codes: Code[] } = { names: [], codes: [] };

  constructor() {
    this.el.className = 'styles-section';
    const head = document.createElement('h3');
    head.textContent = 'Distances';
    const row = div('styles-row');
    for (const k of ['l2', 'kl'] as DistanceKind[]) {
      const b = button(LABELS[k][0], { secondary: true, id: `distance-${k}`, title: LABELS[k][1], onClick: () => this.setKind(k) });
      this.buttons.set(k, b);
      row.append(b);
    }
    this.table.className = 'distance-matrix';
    this.table.id = 'distance-matrix';
    this.readout.className = 'distance-readout';
    this.el.append(head, row, this.table, this.readout);
    this.setKind('l2');
  }

  private setKind(k: DistanceKind): void {
    this.kind = k;
    for (const [kk, b] of this.buttons) setPressed(b, kk === k);
    this.table.dataset.kind = k;
    this.update(this.last.names, this.last.codes);
  }

  update(names: string[], codes: Code[]): void {
    this.last = { names, codes };
    const m = distanceMatrix(codes, this.kind);
    const max = Math.max(1e-12, ...m.flat());
    this.table.replaceChildren();
    const header = this.table.insertRow();
    header.insertCell().textContent = '';
    names.forEach((n, j) => {
      const th = document.createElement('th');
      th.textContent = String(j + 1);
      th.title = n;
      header.append(th);
    });
    m.forEach((rowVals, i) => {
      const tr = this.table.insertRow();
      const th = document.createElement('th');
      th.textContent = `${i + 1} ${names[i]}`;
      th.title = names[i];
      tr.append(th);
      rowVals.forEach((v, j) => {
        const td = tr.insertCell();
        td.className = 'dist';
        td.dataset.i = String(i);
        td.dataset.j = String(j);
        td.dataset.value = String(v);
        const t = v / max;
        // Dark (near) to bright (far), readable in light and dark themes.
        td.style.background = `hsl(${220 - 190 * t}, 70%, ${22 + 40 * t}%)`;
        const text = `${names[i]} ↔ ${names[j]}: ${LABELS[this.kind][0]} ${formatValue(v)}`;
        td.title = text;
        td.addEventListener('mouseenter', () => (this.readout.textContent = text));
      });
    });
    this.readout.textContent = names.length < 2 ? 'Add two or more styles to compare them.' : 'Hover a cell for its value.';
  }
}

export function formatValue(v: number): string {
  return v === 0 ? '0' : Math.abs(v) >= 1000 || Math.abs(v) < 0.001 ? v.toExponential(3) : v.toPrecision(4);
}
