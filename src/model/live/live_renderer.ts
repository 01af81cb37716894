/**
 * Dirty-region recompute for live painting (eval mode). A brush stroke changes the mask in a
 * small box. Each SPADE layer's (gamma, beta) depends only on the mask within its two MLP
 * convs' reach, so only that box's receptive field is recomputed at each scale and pasted
 * into the cached modulations. The main path is recomputed from cached block outputs in the
 * same way: with batch / sync-batch norm (a per-channel affine map in eval) a block's output
 * changes only within 2 pixels (its two 3x3 convs) of where its input or its modulation
 * changed. That box grows with every block and doubles with every upsampling, so at the fine
 * scales the whole grid is usually dirty and the block runs whole (from the patched cache).
 * Instance norm is global (its mean and variance see every pixel), so with it the main path
 * always runs whole; the modulation patches still apply, as they do not depend on the norm.
 *
 * Every crop is computed by the same kernels as the full forward, padded only where the full
 * conv pads, so the result is the full recompute bit for bit (tested on cpu and wasm).
 * The renderer diffs each mask against the previous one itself, so callers need not (and
 * cannot wrongly) say what changed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseNormG } from '../config';
import { Ctx } from '../nn/context';
import type { Conv2d } from '../nn/conv';
import { bucketBox, dilate, doubled, fullBox, isFull, resizedBox, union, type Box } from '../nn/box';
import { upsample2x } from '../nn/ops';
import { canPasteOnWebGPU, pasteOnWebGPU } from '../nn/webgpu_paste';
import { installScalarConstants } from '../nn/webgpu_constants';
import type { ParamStore } from '../nn/params';
import type { SPADEGenerator } from '../networks/generator';
import type { BlockStage, SPADEResnetBlock } from '../networks/resblock';
import type { Modulation, SPADE } from '../networks/spade';
import type { LabelBatch } from '../preprocess';
import { disposeModulations, preferredMethod, regionConv, spadeModulation, type ModulationMethod, type Modulations } from './modulation';
import { styleCode } from '../style_code';
import { changedBox, hostSemantic, latentSemantic, sampling, semanticCrop, withDeviceCopy, type HostSemantic } from './semantic_host';

/** Style as host values, so that a repeated style is recognised: z (z_dim floats per image) or a seed. */
export interface HostStyle {
  z?: Float32Array;
  seed?: number;
}

export interface LiveFrame {
  /** (N, H, W, 3) in [-1, 1]; the caller disposes it. */
  image: tf.Tensor4D;
  /** Full-resolution box where the mask changed since the last frame; null when it did not. */
  changed: Box | null;
  /** Whether the modulations were patched rather than recomputed whole. */
  incremental: boolean;
  /** Blocks of the main path recomputed on a crop of their grid only. */
  partialBlocks: number;
}

/** What a frame under way is changing: what abandoning it after a step must undo. */
interface InFlight {
  changed: Box | null;
  /** Every cache is being recomputed. */
  whole: boolean;
  /** The main path is being recomputed whole (a new style, instance norm, or none cached). */
  mainWhole: boolean;
}

/** A frame under way: its context, what it changes, and how long its steps may take (ms). */
interface Frame {
  ctx: Ctx;
  step: InFlight;
  stepMs: number;
}

/** How long a step of a preemptible frame may take on wasm and cpu: about what a newer mask waits. */
const STEP_MS = 40;
/** A layer not yet timed is assumed to run at this many multiply-adds a millisecond. */
const GUESS_MACS_PER_MS = 1e7;
/** Thinner bands would redo their borders' work (a conv's halo) more than they save in waiting. */
const MIN_BAND_ROWS = 4;
/** Layers timed on fewer pixels are not counted (see measured). */
const MIN_TIMED_PIXELS = 1024;

export class LiveRenderer {
  readonly method: ModulationMethod;
  private readonly localNorm: boolean;
  private sem: HostSemantic | null = null;
  private mods: Modulations = new Map();
  private styleKey: string | null = null;
  /** head_0's input and every block's output for the current mask and style (kept tensors). */
  private x0: tf.Tensor4D | null = null;
  private outs: tf.Tensor4D[] = [];
  /** Where an abandoned frame had begun to change the caches: the next frame recomputes it. */
  private stale: Box | null = null;
  /** Spectral-normalised kernels: constant in eval mode, so computed once (Ctx.kernels). */
  private readonly kernels = new Map<string, tf.Tensor>();

  /** Whether dirty boxes are rounded up to a few sizes (bucketBox); see the constructor. */
  readonly bucketBoxes: boolean;
  /** Whether a changed mask is recomputed on its dirty region only; see the constructor. */
  readonly dirtyRegions: boolean;
  /** How long a step of a preemptible frame may take (ms); see the constructor. */
  readonly stepMs: number;
  /** Each layer's last measured time per output pixel (ms), by key: how many rows its bands hold. */
  private readonly msPerPixel = new Map<string, number>();

  /**
   * opts.bucketBoxes: round every dirty box up to one of a few sizes, so that the crops' shapes
   * repeat from stroke to stroke. On by default on GPU backends, which compile a program per
   * shape (WebGL's are slow to compile; WebGPU keys some pipelines by shape); off on wasm and
   * cpu, where a larger box is only more work. The result is exact either way.
   *
   * opts.dirtyRegions: recompute a changed mask on its dirty region only. Off by default on WebGL,
   * where a stroke measured slower than a full frame even with bucketed boxes (docs/benchmarks.md):
   * there a changed mask reruns whole, and only a new style keeps the cached modulations.
   *
   * opts.stepMs: in a preemptible frame, a SPADE layer's modulations or a block that would take
   * longer than this runs in bands of rows, with a pause after each, so that a newer mask waits
   * for a band rather than a whole layer (the finest grids are most of a frame). Each layer's bands
   * are sized from its last measured speed, which differs between machines, and between Node and
   * a browser's single-threaded wasm. On wasm and cpu only, whose steps run synchronously; on GPU
   * backends a step only queues work, so there it is unbounded. 0: bands of the fewest rows.
   */
  constructor(
    readonly G: SPADEGenerator,
    readonly params: ParamStore,
    opts: { method?: ModulationMethod; bucketBoxes?: boolean; dirtyRegions?: boolean; stepMs?: number } = {},
  ) {
    this.method = opts.method ?? preferredMethod(G.cfg);
    this.bucketBoxes = opts.bucketBoxes ?? (tf.getBackend() === 'webgl' || tf.getBackend() === 'webgpu');
    this.dirtyRegions = opts.dirtyRegions ?? tf.getBackend() !== 'webgl';
    this.stepMs = opts.stepMs ?? (onHost() ? STEP_MS : Infinity);
    // The device crops' index lists and the ops' scalars: uploaded once on WebGPU, not every frame.
    installScalarConstants();
    this.localNorm = parseNormG(G.cfg.norm_G).paramFree !== 'instance';
  }

  render(labels: LabelBatch, style: HostStyle = {}, source?: string): LiveFrame {
    // Nothing can preempt this frame, so its steps need no bounds.
    const steps = this.frameSteps(hostSemantic(this.G.cfg, labels, source), style, Infinity);
    return this.guarded(() => {
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
      }
    });
  }

  /**
   * As render, but between steps (a SPADE layer's modulations, a block, or a band of either; see
   * stepMs) it awaits `pause()` (which lets the caller's messages in) and gives the frame up when
   * `stop()` says so (a newer mask waits): then it returns null, and the next frame recomputes
   * whatever the abandoned one had begun to change, so pixels stay exact.
   */
  async renderPreemptible(
    labels: LabelBatch,
    style: HostStyle,
    source: string | undefined,
    stop: () => boolean,
    pause: () => Promise<void>,
  ): Promise<LiveFrame | null> {
    const steps = this.frameSteps(hostSemantic(this.G.cfg, labels, source), style, this.stepMs);
    for (;;) {
      const r = this.guarded(() => steps.next());
      if (r.done) return r.value;
      await pause();
      if (stop()) {
        steps.return(undefined as never); // frees the bands of a layer under way
        this.abandon(r.value);
        return null;
      }
    }
  }

  /** A half-updated cache (a GPU lost mid-frame) must not feed the next frame: on failure, start afresh. */
  private guarded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * One frame, in steps (see renderPreemptible) of about `stepMs` at most where they can be split:
   * yields what was under way, so that an abandoned frame can be undone (see abandon), and returns
   * the frame.
   */
  private *frameSteps(sem: HostSemantic, style: HostStyle, stepMs: number): Generator<InFlight, LiveFrame, void> {
    // Without use_vae the style is unused: any style renders the same picture.
    const key = !this.G.cfg.use_vae ? '' : style.z ? `z:${style.z.join(',')}` : `seed:${style.seed ?? 0}`;
    const ctx = new Ctx(this.params, false, undefined, this.kernels);
    const prev = this.sem;
    // What an abandoned frame had begun to change counts as changed again.
    const changed = union(prev ? changedBox(prev, sem) : fullBox(sem.h, sem.w), this.stale);
    const whole = !prev || (changed !== null && (!this.dirtyRegions || isFull(changed, sem.h, sem.w)));
    prev?.device?.dispose();
    this.sem = sem;
    withDeviceCopy(sem);
    const styleSame = key === this.styleKey;
    this.styleKey = key;
    const mainWhole = whole || !styleSame || !this.localNorm || !this.x0;
    const f: Frame = { ctx, step: { changed, whole, mainWhole }, stepMs };
    if (whole) {
      disposeModulations(this.mods);
      yield* this.modulations(f);
    }
    const modBoxes = whole || !changed ? this.G.blocks.map(() => null) : yield* this.patchModulations(f, changed);
    const incremental = !whole && changed !== null;
    let partialBlocks = 0;
    if (mainWhole) yield* this.runMainPath(f, style);
    else partialBlocks = yield* this.updateMainPath(f, changed, modBoxes);
    const image = tf.tidy(() => this.G.output(ctx, this.outs[this.outs.length - 1]));
    this.stale = null;
    return { image, changed, incremental, partialBlocks };
  }

  /**
   * A frame given up after a step: a whole frame's caches are dropped (the next frame is whole);
   * otherwise the box it was changing is kept as stale, and a main path it was rerunning whole is
   * dropped, so the next frame recomputes both.
   */
  private abandon(f: InFlight): void {
    if (f.whole) {
      this.dropCaches();
      return;
    }
    this.stale = union(this.stale, f.changed);
    if (f.mainWhole) this.dropMainPath();
  }

  dispose(): void {
    this.dropCaches();
    tf.dispose([...this.kernels.values()]);
    this.kernels.clear();
  }

  /** Forgets the mask and everything computed from it: the next frame is whole. */
  private dropCaches(): void {
    disposeModulations(this.mods);
    this.mods = new Map();
    this.dropMainPath();
    this.sem?.device?.dispose();
    this.sem = null;
    this.styleKey = null;
    this.stale = null;
  }

  /** Every SPADE layer's modulations for the whole grid (a new mask), a layer at a time. */
  private *modulations(f: Frame): Generator<InFlight, void, void> {
    const grids = this.G.blockGrids();
    for (const [i, block] of this.G.blocks.entries()) {
      const { h, w } = grids[i];
      for (const s of block.spades()) {
        this.mods.set(s.key, yield* this.spadeOn(f, s, h, w, fullBox(h, w)));
        yield f.step;
      }
    }
  }

  /** Recomputes the modulations around the change, a layer at a time; returns each block's changed box. */
  private *patchModulations(f: Frame, changed: Box): Generator<InFlight, Array<Box | null>, void> {
    const grids = this.G.blockGrids();
    const boxes: Array<Box | null> = [];
    for (const [i, block] of this.G.blocks.entries()) {
      const { h, w } = grids[i];
      const { rows, cols } = sampling(this.sem!, h, w);
      const seg = resizedBox(changed, rows, cols);
      let blockBox: Box | null = null;
      // A null seg: no sampled pixel of this grid lies in the change.
      for (const s of seg ? block.spades() : []) {
        const box = this.bucket(dilate(seg!, s.mlp_shared.pad + s.mlp_gamma.pad, h, w), h, w);
        const patch = yield* this.spadeOn(f, s, h, w, box);
        const old = this.mods.get(s.key)!;
        this.mods.set(s.key, { gamma: pasteKeep(old.gamma, patch.gamma, box), beta: pasteKeep(old.beta, patch.beta, box) });
        tf.dispose([old.gamma, old.beta, patch.gamma, patch.beta]);
        blockBox = union(blockBox, box);
        yield f.step;
      }
      boxes.push(blockBox);
    }
    return boxes;
  }

  /** One SPADE layer's (gamma, beta) on `box` of its h x w grid. */
  private *spadeOn(f: Frame, s: SPADE, h: number, w: number, box: Box): Generator<InFlight, Modulation, void> {
    const macs = convMacs(s.mlp_shared) + convMacs(s.mlp_gamma) + convMacs(s.mlp_beta);
    const [gamma, beta] = yield* this.inBands(f, s.key, box, macs, (b) => {
      const m = spadeModulation(f.ctx, s, this.sem!, h, w, b, this.method);
      return [m.gamma, m.beta];
    });
    return { gamma, beta };
  }

  private *runMainPath(f: Frame, style: HostStyle): Generator<InFlight, void, void> {
    this.dropMainPath();
    const n = this.sem!.n;
    this.x0 = tf.tidy(() => {
      const seg = latentSemantic(this.G, this.sem!);
      const z = style.z ? tf.tensor2d(style.z, [n, this.G.cfg.z_dim]) : undefined;
      return this.G.input(f.ctx, seg, styleCode(this.G.cfg, n, { z, seed: style.seed }));
    });
    const grids = this.G.blockGrids();
    let x = this.x0;
    for (let i = 0; i < this.G.blocks.length; i++) {
      x = yield* this.blockOn(f, i, x, fullBox(grids[i].h, grids[i].w));
      this.outs.push(x);
      if (i < this.G.blocks.length - 1) yield f.step;
    }
  }

  /** Block by block: recompute the box where the input or the modulation changed, grown by 2. */
  private *updateMainPath(f: Frame, changed: Box | null, modBoxes: Array<Box | null>): Generator<InFlight, number, void> {
    const grids = this.G.blockGrids();
    let partial = 0;
    let dirty: Box | null = null; // in the current block's grid
    if (changed && !this.G.cfg.use_vae) {
      // The non-VAE fc: a 3x3 conv over the segmap on the latent grid.
      const { sh, sw } = this.G;
      const { rows, cols } = sampling(this.sem!, sh, sw);
      const seg = resizedBox(changed, rows, cols);
      if (seg) {
        const box = this.bucket(dilate(seg, 1, sh, sw), sh, sw);
        const fc = this.G.fc as Conv2d; // not use_vae: the 3x3 conv
        const inp = dilate(box, 1, sh, sw);
        const patch = tf.tidy(() => regionConv(f.ctx, fc, semanticCrop(this.sem!, sh, sw, inp), box, inp));
        this.x0 = this.replace(this.x0!, patch, box);
        dirty = box;
      }
    }
    for (let i = 0; i < this.G.blocks.length; i++) {
      const { h, w } = grids[i];
      if (this.G.doublesBefore(i) && dirty) dirty = doubled(dirty);
      const cause = union(dirty, modBoxes[i]);
      if (!cause) continue;
      const out = this.bucket(dilate(cause, 2, h, w), h, w);
      const next = yield* this.blockOn(f, i, i === 0 ? this.x0! : this.outs[i - 1], out);
      if (isFull(out, h, w)) this.outs[i] = swap(this.outs[i], next);
      else {
        this.outs[i] = this.replace(this.outs[i], next, out);
        partial++;
      }
      dirty = out;
      if (i < this.G.blocks.length - 1) yield f.step;
    }
    return partial;
  }

  /** Block i's output on `out` of its grid (the whole tensor when out is the grid) from the block before's. */
  private *blockOn(f: Frame, i: number, prev: tf.Tensor4D, out: Box): Generator<InFlight, tf.Tensor4D, void> {
    const block = this.G.blocks[i];
    const { h, w } = this.G.blockGrids()[i];
    const x = this.G.doublesBefore(i) ? tf.tidy(() => upsample2x(prev)) : prev;
    const macs = convMacs(block.conv_0) + convMacs(block.conv_1) + (block.conv_s ? convMacs(block.conv_s) : 0);
    try {
      // The whole grid: the plain block (its seg argument is unused when mods are given).
      const on = (b: Box) =>
        isFull(b, h, w) ? block.forward(f.ctx, x, x, this.mods) : blockRegion(f.ctx, block, x, this.mods, b, h, w);
      // Instance norm sees the whole grid, so its blocks cannot run in bands.
      const bands = this.localNorm ? f : { ...f, stepMs: Infinity };
      const [y] = yield* this.inBands(bands, block.key, out, macs, (b) => tf.tidy(() => [on(b)]));
      return y;
    } finally {
      if (x !== prev) x.dispose();
    }
  }

  /**
   * `part` on `box` (one tensor or several, each joined along the rows), in bands of rows that
   * should take f.stepMs each by layer `key`'s measured speed (or, not yet measured, its
   * multiply-adds a pixel), with a step between bands.
   */
  private *inBands(
    f: Frame,
    key: string,
    box: Box,
    macsPerPixel: number,
    part: (b: Box) => tf.Tensor4D[],
  ): Generator<InFlight, tf.Tensor4D[], void> {
    if (f.stepMs === Infinity) return part(box);
    const width = box.x1 - box.x0;
    const pixels = (box.y1 - box.y0) * width;
    const perPixel = this.msPerPixel.get(key) ?? macsPerPixel / GUESS_MACS_PER_MS;
    const rows = Math.max(MIN_BAND_ROWS, Math.floor(f.stepMs / (perPixel * width)));
    let ms = 0;
    const timed = (b: Box) => {
      const t0 = performance.now();
      const r = part(b);
      ms += performance.now() - t0;
      return r;
    };
    if (rows >= box.y1 - box.y0) {
      const r = timed(box);
      this.measured(key, ms, pixels);
      return r;
    }
    const bands: tf.Tensor4D[][] = [];
    try {
      for (let y0 = box.y0; y0 < box.y1; y0 += rows) {
        if (bands.length) yield f.step;
        bands.push(timed({ ...box, y0, y1: Math.min(y0 + rows, box.y1) }));
      }
      this.measured(key, ms, pixels);
      return bands[0].map((_, k) => tf.concat(bands.map((b) => b[k]), 1));
    } finally {
      tf.dispose(bands.flat());
    }
  }

  /**
   * A layer's time on a box of `pixels`, its bands' together. Small boxes (a brush dab) are
   * mostly fixed costs, which would make the layer look slower per pixel than it is: not counted.
   */
  private measured(key: string, ms: number, pixels: number): void {
    if (pixels < MIN_TIMED_PIXELS) return;
    const now = ms / pixels;
    const before = this.msPerPixel.get(key);
    this.msPerPixel.set(key, before === undefined ? now : (before + now) / 2);
  }

  private bucket(b: Box, h: number, w: number): Box {
    return this.bucketBoxes ? bucketBox(b, h, w) : b;
  }

  /** full with `patch` pasted at box; disposes full and patch. */
  private replace(full: tf.Tensor4D, patch: tf.Tensor4D, box: Box): tf.Tensor4D {
    const r = pasteKeep(full, patch, box);
    tf.dispose([full, patch]);
    return r;
  }

  private dropMainPath(): void {
    tf.dispose([...(this.x0 ? [this.x0] : []), ...this.outs]);
    this.x0 = null;
    this.outs = [];
  }
}

/** A conv's multiply-adds per output pixel. */
function convMacs(c: Conv2d): number {
  return c.k * c.k * c.cin * c.cout;
}

function swap(old: tf.Tensor4D, next: tf.Tensor4D): tf.Tensor4D {
  old.dispose();
  return next;
}

/**
 * On wasm and cpu, crops and pastes are gathers of whole pixels (C contiguous floats) from the
 * tensor viewed as (N*H*W, C): exact copies, and fast on wasm, whose Slice copies a column band
 * element by element (seconds per frame at 256²). On GPUs an index list is a host-to-GPU upload
 * for every crop and paste, so there they are slices and concats, whose boxes are uniforms.
 */
function onHost(): boolean {
  return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
}

function pixelRows<T extends tf.Tensor4D>(x: T): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(x, [n * h * w, c]);
}

function crop<T extends tf.Tensor4D>(x: T, b: Box): T {
  const [n, h, w, c] = x.shape;
  if (!onHost()) return tf.slice(x, [0, b.y0, b.x0, 0], [n, b.y1 - b.y0, b.x1 - b.x0, c]) as T;
  const idx = new Int32Array(n * (b.y1 - b.y0) * (b.x1 - b.x0));
  let o = 0;
  for (let k = 0; k < n; k++) for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) idx[o++] = (k * h + y) * w + x;
  return tf.tidy(() => tf.reshape(tf.gather(pixelRows(x), tf.tensor1d(idx, 'int32')), [n, b.y1 - b.y0, b.x1 - b.x0, c])) as T;
}

function cropMod(m: Modulation, b: Box): Modulation {
  return { gamma: crop(m.gamma, b), beta: crop(m.beta, b) };
}

/**
 * A new tensor: full with patch copied over box. On wasm and cpu a TensorScatterUpdate of the
 * patch's pixels (one copy of full, then the patch); on WebGPU one dispatch of our own
 * (webgpu_paste.ts); on other GPU backends the rows above and below the box
 * and the columns beside it, sliced from full and concatenated around the patch: copies only,
 * and no index list to upload (WebGL's scatter searches every update for each output element).
 */
function pasteKeep(full: tf.Tensor4D, patch: tf.Tensor4D, b: Box): tf.Tensor4D {
  const [n, h, w, c] = full.shape;
  const bw = b.x1 - b.x0;
  const bh = b.y1 - b.y0;
  if (onHost()) {
    const idx = new Int32Array(n * bh * bw);
    let o = 0;
    for (let k = 0; k < n; k++)
      for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) idx[o++] = (k * h + y) * w + x;
    return tf.tidy(() => tf.reshape(tf.tensorScatterUpdate(pixelRows(full), tf.tensor2d(idx, [idx.length, 1], 'int32'), pixelRows(patch)), [n, h, w, c]) as tf.Tensor4D);
  }
  if (canPasteOnWebGPU()) return pasteOnWebGPU(full, patch, b);
  return tf.tidy(() => {
    const part = (y0: number, y1: number, x0: number, x1: number) => tf.slice(full, [0, y0, x0, 0], [n, y1 - y0, x1 - x0, c]);
    const band = [...(b.x0 > 0 ? [part(b.y0, b.y1, 0, b.x0)] : []), patch, ...(b.x1 < w ? [part(b.y0, b.y1, b.x1, w)] : [])];
    const row = band.length > 1 ? tf.concat(band, 2) : patch;
    const rows = [...(b.y0 > 0 ? [part(0, b.y0, 0, w)] : []), row, ...(b.y1 < h ? [part(b.y1, h, 0, w)] : [])];
    // A patch over the whole grid is returned as a new tensor all the same: the caller disposes patch.
    return (rows.length > 1 ? tf.concat(rows, 1) : tf.clone(row)) as tf.Tensor4D;
  });
}

/**
 * A SPADE ResNet block's output on the box `out` of its h x w grid from its full input x:
 * the block's own dataflow (SPADEResnetBlock.compose) on crops. conv_0 writes out + 1 from its
 * input on out + 2; the shortcut and conv_1 write out.
 */
function blockRegion(
  ctx: Ctx,
  block: SPADEResnetBlock,
  x: tf.Tensor4D,
  mods: Modulations,
  out: Box,
  h: number,
  w: number,
): tf.Tensor4D {
  const r1 = dilate(out, 1, h, w);
  const r0 = dilate(r1, 1, h, w);
  const reads: Record<BlockStage, Box> = { shortcut: out, conv_0: r0, conv_1: r1 };
  const writes: Record<BlockStage, Box> = { shortcut: out, conv_0: r1, conv_1: out };
  return block.compose({
    input: (stage) => crop(x, reads[stage]),
    spade: (s, t, stage, leaky) => s.forward(ctx, t, t, cropMod(mods.get(s.key)!, reads[stage]), leaky),
    conv: (c, t, stage) => regionConv(ctx, c, t, writes[stage], reads[stage]),
  });
}
