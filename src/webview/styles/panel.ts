/**
 * The Styles panel: style images encoded in the worker, each beside the current mask painted
 * in its style (live while painting; the worker renders only the newest mask), the distance
 * matrix, a PCA of the codes, interpolation, sampling from a style, and save/load of the set
 * as `<mask>.spade-style.json` (the host reads and writes the files).
 */
import type { LoadedStyle, StylePixels, WebviewToHost } from '../../shared/protocol';
import { STYLE_FORMAT, serializeStyleFile, styleCode, type StyleFile } from '../../model/io/style_file';
import { sampleCode } from '../../model/style_math';
import { rgbaToPng } from '../export_png';
import { encodeApng } from './apng';
import { button, setDisabled } from '../ui';
import type { ModelInfo } from '../worker_protocol';
import { DistanceView } from './distance_view';
import { InterpView } from './interp_view';
import { PcaView } from './pca_view';
import { RegionView, type RegionInputs } from './region_view';
import { drawRgba, toFloat32 } from './pixels';
import { StyleList, type StyleEntry } from './style_list';

export type SetKey = 'grid' | 'interp' | 'strip' | 'sample' | 'region';

export interface StylesHost {
  /** The mask as model ids, the main view's style code and the class names (per-region style). */
  regionInputs(): RegionInputs | null;
  /** Sends a style set to the worker for the current mask; returns its id, or null without a mask. */
  renderSet(key: SetKey, zs: Float32Array[]): number | null;
  encode(name: string, image: StylePixels): Promise<{ mu: Float32Array; logvar: Float32Array }>;
  post(m: WebviewToHost): void;
  /** Use this code in the main view. */
  useStyle(name: string, z: Float32Array): void;
  error(message: string): void;
}

export class StylesPanel {
  readonly el = document.createElement('aside');
  private readonly list = new StyleList();
  private readonly rows = document.createElement('div');
  private readonly note = document.createElement('div');
  private readonly addBtn: HTMLElement;
  private readonly saveBtn: HTMLElement;
  private readonly distances = new DistanceView();
  private readonly pca = new PcaView();
  private readonly interp: InterpView;
  private readonly region: RegionView;
  private readonly sampleCanvas = document.createElement('canvas');
  private readonly sampleLabel = document.createElement('div');
  private model: ModelInfo | null = null;
  /** Which style each tile of a grid set belongs to. */
  private readonly gridSets = new Map<number, number[]>();
  private generation = 0;

  constructor(private readonly host: StylesHost) {
    this.el.className = 'styles-panel';
    this.el.id = 'styles-panel';
    this.el.hidden = true;
    const head = document.createElement('div');
    head.className = 'styles-row styles-head';
    const title = document.createElement('h2');
    title.textContent = 'Styles';
    this.addBtn = button('Add images…', { id: 'styles-add', title: 'Encode style images from the workspace', onClick: () => host.post({ type: 'addStyleImages' }) });
    this.saveBtn = button('Save', { secondary: true, id: 'styles-save', title: 'Save the codes as <mask>.spade-style.json', onClick: () => this.save() });
    const load = button('Load', { secondary: true, id: 'styles-load', title: 'Load <mask>.spade-style.json', onClick: () => host.post({ type: 'loadStyleSet' }) });
    const close = button('×', { secondary: true, id: 'styles-close', label: 'Close the Styles panel', title: 'Close the Styles panel', onClick: () => (this.el.hidden = true) });
    head.append(title, this.addBtn, load, this.saveBtn, close);
    this.note.className = 'styles-note';
    this.rows.className = 'style-rows';
    this.rows.id = 'style-rows';
    this.interp = new InterpView({
      render: (key, zs) => this.host.renderSet(key, zs),
      exportFrames: (frames) => this.exportFrames(frames),
    });
    const sample = document.createElement('section');
    sample.className = 'styles-section';
    const sh = document.createElement('h3');
    sh.textContent = 'Sample';
    this.sampleCanvas.id = 'sample-canvas';
    this.sampleCanvas.className = 'style-tile large';
    this.sampleLabel.id = 'sample-label';
    this.sampleLabel.textContent = '"Sample" on a style draws z ~ N(mu, sigma) from a seed.';
    sample.append(sh, this.sampleCanvas, this.sampleLabel);
    this.region = new RegionView(() => host.regionInputs(), (zs) => host.renderSet('region', zs));
    this.el.append(head, this.note, this.rows, this.distances.el, this.pca.el, this.interp.el, sample, this.region.el);
    this.acceptDrops();
    this.refresh();
  }

  /**
   * Files dragged from the Explorer (VS Code asks for Shift while dropping into a webview)
   * arrive as a URI list; the host decides whether to read them.
   */
  private acceptDrops(): void {
    this.el.addEventListener('dragover', (ev) => {
      if (!this.model?.hasEncoder) return;
      ev.preventDefault();
      this.el.classList.add('drop-target');
    });
    this.el.addEventListener('dragleave', () => this.el.classList.remove('drop-target'));
    this.el.addEventListener('drop', (ev) => {
      this.el.classList.remove('drop-target');
      const list = ev.dataTransfer?.getData('text/uri-list') ?? '';
      const uris = list.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      if (!uris.length || !this.model?.hasEncoder) return;
      ev.preventDefault();
      this.host.post({ type: 'dropStyleImages', uris: uris.slice(0, 64) });
    });
  }

  show(): void {
    this.el.hidden = false;
    this.onMask();
  }

  toggle(): void {
    if (this.el.hidden) this.show();
    else this.el.hidden = true;
  }

  /** A new model: say what it can do, and re-encode the images (codes belong to one encoder). */
  setModel(info: ModelInfo | null): void {
    this.model = info;
    this.generation++;
    for (const e of this.list.entries) {
      if (!info || !e.image) continue;
      if (info.hasEncoder) this.encode(e);
      else {
        // The old encoder's code would not mean the same to this generator.
        e.mu = e.logvar = null;
        e.error = 'this checkpoint has no style encoder to encode the image with';
      }
    }
    for (const e of this.list.entries) {
      if (!e.image && e.mu && info && e.mu.length !== info.zDim) {
        e.error = `code has ${e.mu.length} values; this model needs ${info.zDim}`;
        e.mu = e.logvar = null;
      }
    }
    this.refresh();
    this.onMask();
  }

  /** The mask changed (or the panel opened): repaint the grid and the interpolation. */
  onMask(): void {
    if (this.el.hidden || !this.model?.useVae) return;
    const ready = this.list.ready();
    if (ready.length) {
      const setId = this.host.renderSet('grid', ready.map((e) => e.mu));
      if (setId !== null) {
        this.gridSets.set(setId, ready.map((e) => e.id));
        for (const k of this.gridSets.keys()) if (k < setId - 8) this.gridSets.delete(k);
      }
    }
    this.interp.renderNow();
    const inp = this.host.regionInputs();
    if (inp) this.region.setClasses(presentClasses(inp.mask.ids, inp.classNames));
    this.region.request();
  }

  onTile(key: string, setId: number, index: number, rgba: Uint8ClampedArray, w: number, h: number): void {
    if (key === 'grid') {
      const id = this.gridSets.get(setId)?.[index];
      const tile = id === undefined ? null : this.rows.querySelector<HTMLCanvasElement>(`.style-row[data-id="${id}"] canvas.style-tile`);
      if (!tile || Number(tile.dataset.setId ?? 0) > setId) return;
      drawRgba(tile, rgba, w, h);
      tile.dataset.setId = String(setId);
      tile.dataset.rendered = 'true';
    } else if (key === 'interp') this.interp.showInterp(rgba, w, h, setId);
    else if (key === 'strip') this.interp.showStripFrame(index, rgba, w, h);
    else if (key === 'region') this.region.onTile(setId, index, rgba, w, h);
    else if (key === 'sample') {
      drawRgba(this.sampleCanvas, rgba, w, h);
      this.sampleCanvas.dataset.setId = String(setId);
    }
  }

  // ---- adding and loading ------------------------------------------------------------------
  addImage(name: string, source: string, image: StylePixels): void {
    const e = this.list.add(name, source, { width: image.width, height: image.height, data: toFloat32(image.data) });
    this.refresh();
    this.encode(e);
  }

  loadSet(fileName: string, styles: LoadedStyle[], zDim: number, checkpointHash: string, checkpointName: string): void {
    if (!this.model?.useVae) return this.host.error(`${fileName}: this model has no style input (use_vae is off)`);
    if (zDim !== this.model.zDim) return this.host.error(`${fileName}: z_dim: the codes have ${zDim} values but the model needs ${this.model.zDim}`);
    for (const s of styles) {
      const image = s.image ? { width: s.image.width, height: s.image.height, data: toFloat32(s.image.data) } : undefined;
      this.list.add(s.name, s.source, image, { mu: Float32Array.from(s.mu), logvar: Float32Array.from(s.logvar) });
    }
    this.note.textContent =
      checkpointHash !== this.model.identity.config_hash
        ? `${fileName} was made by ${checkpointName || 'another checkpoint'} (other network options): its codes may paint differently here.`
        : `Loaded ${styles.length} style${styles.length === 1 ? '' : 's'} from ${fileName}.`;
    this.show();
    this.refresh();
    this.onMask();
  }

  private encode(e: StyleEntry): void {
    if (!e.image || !this.model?.hasEncoder) return;
    const gen = this.generation;
    e.mu = e.logvar = null;
    e.error = undefined;
    this.host.encode(e.name, e.image).then(
      (c) => {
        if (gen !== this.generation || !this.list.get(e.id)) return;
        e.mu = c.mu;
        e.logvar = c.logvar;
        this.refresh();
        this.onMask();
      },
      (err: Error) => {
        e.error = err.message;
        this.refresh();
      },
    );
  }

  // ---- actions -----------------------------------------------------------------------------
  private sample(e: StyleEntry): void {
    if (!e.mu || !e.logvar) return;
    const seed = crypto.getRandomValues(new Uint32Array(1))[0] % 2 ** 31;
    const setId = this.host.renderSet('sample', [sampleCode({ mu: e.mu, logvar: e.logvar }, seed)]);
    if (setId === null) return;
    this.sampleLabel.textContent = `sample of ${e.name}: z ~ N(mu, sigma), seed ${seed}`;
    this.sampleLabel.dataset.seed = String(seed);
  }

  private save(): void {
    const m = this.model;
    const ready = this.list.ready();
    if (!m || ready.length === 0) return;
    const styles = ready.map((e) => styleCode(e.name, e.source, e.mu, e.logvar));
    const file: StyleFile = { format: STYLE_FORMAT, z_dim: m.zDim, checkpoint: m.identity, styles };
    this.host.post({ type: 'saveStyleSet', text: serializeStyleFile(file) });
  }

  private exportFrames(frames: { rgba: Uint8ClampedArray; width: number; height: number }[]): void {
    const { width, height } = frames[0];
    const apng = encodeApng(frames.map((f) => f.rgba), width, height, 200);
    this.host.post({ type: 'exportFrames', label: 'interp', pngs: frames.map((f) => rgbaToPng(f.rgba, f.width, f.height)), apng });
  }

  // ---- view --------------------------------------------------------------------------------
  private refresh(): void {
    const m = this.model;
    if (!m) this.note.textContent = 'Loading the model…';
    else if (!m.useVae) this.note.textContent = 'This model has no style input (use_vae is off): its pictures do not depend on a style code.';
    else if (!m.hasEncoder)
      this.note.textContent =
        'This checkpoint has no style encoder (E), so style images cannot be encoded. Get one by training or fine-tuning with --use_vae ' +
        '(spade train --use_vae, or SPADE: Fine-tune with "args": ["--use_vae"]), or add NVlabs\' E.pth with spade convert --encoder. ' +
        'Saved codes for this z_dim can still be loaded.';
    else if (!this.note.textContent || this.note.textContent.startsWith('Loading') || this.note.textContent.startsWith('This')) this.note.textContent = '';
    this.el.dataset.encoder = String(!!m?.hasEncoder);
    setDisabled(this.addBtn, !m?.hasEncoder, m?.hasEncoder ? 'Encode style images from the workspace' : 'Needs a checkpoint with a style encoder');
    setDisabled(this.saveBtn, this.list.ready().length === 0);
    this.renderRows();
    const ready = this.list.ready();
    this.distances.update(ready.map((e) => e.name), ready);
    this.pca.update(ready.map((e) => e.name), ready, ready.map((e) => e.thumb));
    this.interp.setStyles(ready);
    this.region.setStyles(ready);
  }

  private renderRows(): void {
    const old = new Map([...this.rows.querySelectorAll<HTMLElement>('.style-row')].map((r) => [Number(r.dataset.id), r]));
    const rows = this.list.entries.map((e) => {
      const row = old.get(e.id) ?? this.makeRow(e);
      row.dataset.state = e.error ? 'error' : e.mu ? 'ready' : 'encoding';
      row.querySelector('.style-status')!.textContent = e.error ?? (e.mu ? e.source : 'encoding…');
      return row;
    });
    this.rows.replaceChildren(...rows);
    if (!rows.length) this.rows.textContent = this.model?.hasEncoder ? 'No styles yet: add style images.' : '';
  }

  private makeRow(e: StyleEntry): HTMLElement {
    const row = document.createElement('div');
    row.className = 'style-row';
    row.dataset.id = String(e.id);
    row.dataset.name = e.name;
    const thumb = e.thumb ?? Object.assign(document.createElement('div'), { className: 'style-thumb none', textContent: 'no image' });
    const tile = document.createElement('canvas');
    tile.className = 'style-tile';
    const text = document.createElement('div');
    text.className = 'style-text';
    const name = document.createElement('div');
    name.className = 'style-title';
    name.textContent = e.name;
    const status = document.createElement('div');
    status.className = 'style-status';
    const actions = document.createElement('div');
    actions.className = 'styles-row';
    actions.append(
      button('Sample', { secondary: true, title: 'Draw z ~ N(mu, sigma) from a random seed', onClick: () => this.sample(e) }),
      button('Use', { secondary: true, title: 'Paint the main view in this style (mu)', onClick: () => e.mu && this.host.useStyle(e.name, e.mu) }),
      button('×', {
        secondary: true,
        label: `Remove the style ${e.name}`,
        title: 'Remove this style',
        onClick: () => {
          this.list.remove(e.id);
          this.refresh();
        },
      }),
    );
    text.append(name, status, actions);
    row.append(thumb, tile, text);
    return row;
  }
}

/** Model classes that occur in the mask, with their names. */
function presentClasses(ids: Int32Array, names: string[]): { id: number; name: string }[] {
  const seen = new Uint8Array(Math.max(names.length, 1) + 1);
  for (let i = 0; i < ids.length; i++) seen[Math.min(ids[i], seen.length - 1)] = 1;
  const out: { id: number; name: string }[] = [];
  seen.forEach((v, id) => v && out.push({ id, name: names[id] ?? (id === names.length ? 'dontcare' : `class ${id}`) }));
  return out;
}
