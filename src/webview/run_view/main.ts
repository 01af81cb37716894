/**
 * Run view webview entry (browser, iife): the charts of one or more training runs and a slider
 * through each run's sample grids. Everything arrives from the host as bucketed series
 * (src/shared/run_view_protocol.ts); this page only draws, and tells the host what it drew.
 * Controls are native elements with labels, so Tab reaches them and screen readers name them;
 * colours are VS Code's theme variables, so high-contrast themes apply.
 */
import { smooth, type RunSeriesMessage, type RunViewHostToWebview, type RunViewWebviewToHost } from '../../shared/run_view_protocol';
import { drawChart, type ChartLine, type ChartTheme } from './line_chart';
import { formatRunProgress as formatProgress, formatValue } from '../../shared/run_format';

interface VsCodeApi {
  postMessage(message: RunViewWebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface ViewState {
  smoothing: number;
  log: boolean;
  raw: boolean;
  sampleRun?: number;
}

/** The charts: one per loss, one for the learning rates, one for speed. */
interface ChartGroup {
  id: string;
  title: string;
  keys: string[];
}

const RUN_COLOURS = 6;

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

const runs = new Map<number, RunSeriesMessage>();
const saved = (api.getState() ?? {}) as Partial<ViewState>;
const state: ViewState = {
  smoothing: typeof saved.smoothing === 'number' ? saved.smoothing : 0.6,
  log: saved.log === true,
  raw: saved.raw !== false,
  sampleRun: typeof saved.sampleRun === 'number' ? saved.sampleRun : undefined,
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const root = document.getElementById('app') ?? document.body.appendChild(el('main'));
const runList = el('ul', { className: 'run-list', ariaLabel: 'Runs' });
const addButton = el('button', { type: 'button', textContent: 'Add Run…', title: 'Compare with another run folder' });
const smoothing = el('input', { type: 'range', id: 'smoothing', min: '0', max: '0.99', step: '0.01', value: String(state.smoothing) });
const smoothingOut = el('output');
smoothingOut.htmlFor.value = 'smoothing';
const logBox = el('input', { type: 'checkbox', id: 'log-scale', checked: state.log });
const rawBox = el('input', { type: 'checkbox', id: 'show-raw', checked: state.raw });
const charts = el('section', { className: 'charts', ariaLabel: 'Charts' });
const notes = el('div', { className: 'notes', role: 'status' } as Partial<HTMLDivElement>);
const sampleRun = el('select', { id: 'sample-run' });
const sampleSlider = el('input', { type: 'range', id: 'sample-step', min: '0', max: '0', step: '1', value: '0' });
const sampleLabel = el('span', { className: 'sample-step' });
const sampleImg = el('img', { className: 'sample', alt: '' });
const samplePane = el(
  'section',
  { className: 'samples', ariaLabel: 'Sample grids' },
  el('h2', { textContent: 'Samples' }),
  el('div', { className: 'controls' },
    el('label', { htmlFor: 'sample-run', textContent: 'Run' }), sampleRun,
    el('label', { htmlFor: 'sample-step', textContent: 'Sample step' }), sampleSlider, sampleLabel),
  el('p', { className: 'hint', textContent: 'Each row: the label map, the real picture, the synthesized picture.' }),
  sampleImg,
);
root.append(
  el('header', {}, runList, addButton),
  el('div', { className: 'controls' },
    el('label', { htmlFor: 'smoothing', textContent: 'Smoothing' }), smoothing, smoothingOut,
    el('label', {}, logBox, ' Log scale'),
    el('label', {}, rawBox, ' Show raw')),
  notes,
  charts,
  samplePane,
);

function theme(): ChartTheme {
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-foreground', '#cccccc'),
    grid: v('--vscode-editorWidget-border', '') || v('--vscode-panel-border', 'rgba(128,128,128,0.35)'),
    font: `11px ${v('--vscode-font-family', 'sans-serif')}`,
  };
}

/** A run's colour: the theme's chart colours, read from a swatch so the CSS is the one source. */
function runColour(id: number): string {
  const probe = document.querySelector<HTMLElement>(`.swatch.run-${id % RUN_COLOURS}`);
  return (probe && getComputedStyle(probe).backgroundColor) || '#3794ff';
}

function groups(): ChartGroup[] {
  const keys = new Set<string>();
  for (const r of runs.values()) for (const k of Object.keys(r.values)) keys.add(k);
  const losses = [...keys].filter((k) => /^[GD]_/.test(k)).sort((a, b) => (a[0] === b[0] ? a.localeCompare(b) : a[0] === 'G' ? -1 : 1));
  const out: ChartGroup[] = losses.map((k) => ({ id: k, title: k, keys: [k] }));
  const lrs = [...keys].filter((k) => k.startsWith('lr_')).sort();
  if (lrs.length) out.push({ id: 'lr', title: 'Learning rate', keys: lrs });
  if (keys.has('steps_per_s')) out.push({ id: 'speed', title: 'Steps/s', keys: ['steps_per_s'] });
  return out;
}

const figures = new Map<string, { fig: HTMLElement; canvas: HTMLCanvasElement; readout: HTMLElement }>();

function renderRuns(): void {
  runList.replaceChildren(
    ...[...runs.values()].map((r) => {
      const remove = el('button', { type: 'button', className: 'remove', textContent: '×', title: `Remove ${r.name}`, ariaLabel: `Remove ${r.name} from the view`, disabled: runs.size === 1 });
      remove.addEventListener('click', () => api.postMessage({ type: 'removeRun', id: r.id }));
      return el('li', {},
        el('span', { className: `swatch run-${r.id % RUN_COLOURS}`, ariaHidden: 'true' }),
        el('span', { className: 'run-name', textContent: r.name }),
        el('span', { className: 'run-progress', textContent: r.progress ? formatProgress(r.progress) : 'no steps logged yet' }),
        remove);
    }),
  );
  notes.replaceChildren(...[...runs.values()].filter((r) => r.note).map((r) => el('p', { textContent: r.note })));
}

function renderCharts(): void {
  const t = theme();
  const wanted = groups();
  for (const [id, f] of figures) if (!wanted.some((g) => g.id === id)) {
    f.fig.remove();
    figures.delete(id);
  }
  for (const g of wanted) {
    let f = figures.get(g.id);
    if (!f) {
      const canvas = el('canvas', { className: 'chart', role: 'img' } as Partial<HTMLCanvasElement>);
      const readout = el('p', { className: 'readout' });
      const fig = el('figure', {}, el('figcaption', { textContent: g.title }), canvas, readout);
      f = { fig, canvas, readout };
      figures.set(g.id, f);
    }
    charts.append(f.fig); // keeps the order of `wanted`
    const lines: ChartLine[] = [];
    const last: string[] = [];
    for (const r of runs.values()) {
      const color = runColour(r.id);
      g.keys.forEach((k, ki) => {
        const ys = r.values[k];
        if (!ys) return;
        const dash = ki === 0 ? undefined : [5, 3];
        if (state.raw && state.smoothing > 0) lines.push({ xs: r.steps, ys, color, faint: true, dash });
        lines.push({ xs: r.steps, ys: state.smoothing > 0 ? smooth(ys, state.smoothing, r.bucket) : ys, color, dash });
        const lastValue = [...ys].reverse().find((v) => v !== null);
        if (lastValue !== undefined && lastValue !== null) last.push(`${runs.size > 1 ? `${r.name} ` : ''}${g.keys.length > 1 ? `${k} ` : ''}${formatValue(lastValue)}`);
      });
    }
    const { hidden } = drawChart(f.canvas, lines, state.log, t);
    const text = `${g.title}: ${last.length ? `last ${last.join(', ')}` : 'no values'}${hidden ? ` (${hidden} values ≤ 0 not drawn on the log scale)` : ''}`;
    f.canvas.ariaLabel = text;
    f.readout.textContent = text;
  }
}

function renderSamples(): void {
  const list = [...runs.values()];
  samplePane.hidden = !list.some((r) => r.samples.length);
  const options = list.map((r) => el('option', { value: String(r.id), textContent: r.name }));
  sampleRun.replaceChildren(...options);
  sampleRun.disabled = list.length < 2;
  const run = runs.get(state.sampleRun ?? -1) ?? list.find((r) => r.samples.length) ?? list[0];
  if (!run) return;
  sampleRun.value = String(run.id);
  const n = run.samples.length;
  const wasAtEnd = Number(sampleSlider.value) >= Number(sampleSlider.max);
  sampleSlider.max = String(Math.max(0, n - 1));
  // Following a live run: a slider at the newest sample stays at the newest.
  if (wasAtEnd) sampleSlider.value = sampleSlider.max;
  sampleSlider.disabled = n < 2;
  const s = run.samples[Math.min(n - 1, Number(sampleSlider.value))];
  sampleLabel.textContent = s ? `step ${s.step} (${Number(sampleSlider.value) + 1} of ${n})` : 'no samples yet';
  sampleSlider.ariaValueText = s ? `step ${s.step}` : 'no samples';
  if (s && sampleImg.getAttribute('src') !== s.uri) {
    sampleImg.src = s.uri;
    sampleImg.alt = `Sample grid of ${run.name} at step ${s.step}`;
  }
  sampleImg.hidden = !s;
}

let frame = 0;
function render(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    smoothingOut.value = state.smoothing.toFixed(2);
    renderRuns();
    renderCharts();
    renderSamples();
    api.setState(state);
    api.postMessage({
      type: 'shown',
      runs: [...runs.values()].map((r) => ({
        id: r.id, rows: r.rows, lastStep: r.progress?.step ?? null, samples: r.samples.length,
      })),
    });
  });
}

smoothing.addEventListener('input', () => {
  state.smoothing = Number(smoothing.value);
  render();
});
logBox.addEventListener('change', () => {
  state.log = logBox.checked;
  render();
});
rawBox.addEventListener('change', () => {
  state.raw = rawBox.checked;
  render();
});
sampleRun.addEventListener('change', () => {
  state.sampleRun = Number(sampleRun.value);
  sampleSlider.value = String(Number.MAX_SAFE_INTEGER); // the newest sample of that run
  render();
});
sampleSlider.addEventListener('input', render);
addButton.addEventListener('click', () => api.postMessage({ type: 'addRuns' }));
new ResizeObserver(render).observe(charts);
// A theme switch changes the body's class and the variables the charts read.
new MutationObserver(render).observe(document.body, { attributes: true, attributeFilter: ['class'] });

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as RunViewHostToWebview | null;
  if (typeof m !== 'object' || m === null) return;
  if (m.type === 'run') runs.set(m.id, m);
  else if (m.type === 'removed') runs.delete(m.id);
  else return;
  render();
});
api.postMessage({ type: 'ready' });
