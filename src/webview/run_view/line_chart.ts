/**
 * A line chart on a canvas: our own, not a library (docs/editor.md says why). Lines are given in
 * data units; the chart picks the ranges, draws the axes with tick labels, and on a log axis
 * leaves out values that are not positive. Colours come from the caller (theme variables).
 */

export interface ChartLine {
  xs: readonly number[];
  ys: readonly (number | null)[];
  color: string;
  /** Raw lines are thin and faint under their smoothed line. */
  faint?: boolean;
  dash?: number[];
}

export interface ChartTheme {
  foreground: string;
  grid: string;
  font: string;
}

export interface ChartResult {
  /** Points not drawn because the log axis cannot show them (<= 0). */
  hidden: number;
}

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // Whole multiples of the step, rounded to its precision: no 0.6000000000000001.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    out.push(Number((k * step).toFixed(Math.min(20, digits))));
  }
  return out;
}

/** Powers of ten within [lo, hi] (both > 0); with fewer than two, 2× and 5× as well. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const pick = (mults: number[]) => {
    const out: number[] = [];
    for (let e = a; e <= b; e++) for (const m of mults) {
      const v = m * Math.pow(10, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
    return out;
  };
  const decades = pick([1]);
  return decades.length >= 2 ? decades : pick([1, 2, 5]);
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

export function drawChart(canvas: HTMLCanvasElement, lines: readonly ChartLine[], log: boolean, theme: ChartTheme): ChartResult {
  const dpr = window.devicePixelRatio || 1;
  const cssW = Math.max(120, canvas.clientWidth);
  const cssH = Math.max(80, canvas.clientHeight);
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return { hidden: 0 };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = theme.font;

  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity, hidden = 0;
  for (const l of lines) {
    for (let i = 0; i < l.xs.length; i++) {
      const y = l.ys[i];
      if (y === null || !Number.isFinite(y)) continue;
      if (log && y <= 0) {
        if (!l.faint) hidden++;
        continue;
      }
      xlo = Math.min(xlo, l.xs[i]);
      xhi = Math.max(xhi, l.xs[i]);
      ylo = Math.min(ylo, y);
      yhi = Math.max(yhi, y);
    }
  }
  const left = 52, right = 10, top = 8, bottom = 20;
  const w = cssW - left - right, h = cssH - top - bottom;
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, w, h);
  if (!Number.isFinite(xlo)) return { hidden };
  if (xhi === xlo) xhi = xlo + 1;
  if (yhi === ylo) {
    const pad = log ? 0 : Math.abs(ylo) * 0.05 || 1;
    if (log) {
      ylo /= 1.5;
      yhi *= 1.5;
    } else {
      ylo -= pad;
      yhi += pad;
    }
  }
  const ty = log ? (v: number) => Math.log10(v) : (v: number) => v;
  const y0 = ty(ylo), y1 = ty(yhi);
  const px = (x: number) => left + ((x - xlo) / (xhi - xlo)) * w;
  const py = (y: number) => top + h - ((ty(y) - y0) / (y1 - y0)) * h;

  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const t of log ? logTicks(ylo, yhi) : linearTicks(ylo, yhi, Math.max(2, Math.floor(h / 30)))) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + w, y);
    ctx.stroke();
    ctx.fillText(formatTick(t), left - 4, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of linearTicks(xlo, xhi, Math.max(2, Math.floor(w / 80)))) {
    if (!Number.isInteger(t)) continue; // steps are whole numbers
    ctx.fillText(formatTick(t), px(t), top + h + 4);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, w, h);
  ctx.clip();
  for (const l of lines) {
    ctx.strokeStyle = l.color;
    ctx.globalAlpha = l.faint ? 0.35 : 1;
    ctx.lineWidth = l.faint ? 1 : 1.75;
    ctx.setLineDash(l.dash ?? []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < l.xs.length; i++) {
      const y = l.ys[i];
      if (y === null || !Number.isFinite(y) || (log && y <= 0)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(l.xs[i]), py(y));
      else ctx.moveTo(px(l.xs[i]), py(y));
      pen = true;
    }
    // A lone point (the first logged step) still shows.
    if (l.xs.length === 1 && l.ys[0] !== null) ctx.arc(px(l.xs[0]), py(l.ys[0]!), 2, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.restore();
  return { hidden };
}
