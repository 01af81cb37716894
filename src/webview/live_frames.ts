/**
 * The worker's frames go through the dirty-region renderer (src/model/live): after a brush
 * stroke only the stroke's receptive field of the SPADE modulations is recomputed, and a new
 * seed or style re-renders from the cached modulations. The renderer finds the changed box
 * itself, by comparing the mask with the previous frame's, so strokes, fills, undo and
 * reloads all take the short path when they change little, and the pixels are always those
 * of a full recompute. One renderer per model: a new model (load, backend fallback) gets a
 * fresh one, and the old one's cached tensors are freed.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SpadeInputError } from '../model/errors';
import type { SpadeModel } from '../model/model';
import type { LabelBatch } from '../model/preprocess';
import { LiveRenderer, type HostStyle, type LiveFrame } from '../model/live/live_renderer';
import type { StyleSpec } from './worker_protocol';

let current: { model: SpadeModel; renderer: LiveRenderer } | null = null;

export function liveFrame(model: SpadeModel, batch: LabelBatch, style: StyleSpec): tf.Tensor4D {
  return liveRender(model, batch, style).image;
}

/** The frame and how it was made (`incremental`: a dirty-region frame). */
export function liveRender(model: SpadeModel, batch: LabelBatch, style: StyleSpec): LiveFrame {
  return rendererFor(model).render(batch, hostStyle(model, style), 'label map');
}

/**
 * As liveRender, but pausing between steps (a layer, or a band of one) to let messages in, and
 * giving the frame up (null) as soon as `stop()` says a newer mask waits (LiveRenderer.renderPreemptible).
 */
export function liveRenderPreemptible(
  model: SpadeModel,
  batch: LabelBatch,
  style: StyleSpec,
  stop: () => boolean,
): Promise<LiveFrame | null> {
  return rendererFor(model).renderPreemptible(batch, hostStyle(model, style), 'label map', stop, yieldToMessages);
}

function rendererFor(model: SpadeModel): LiveRenderer {
  if (current?.model !== model) {
    try {
      current?.renderer.dispose();
    } catch {
      /* tensors of an abandoned backend */
    }
    current = { model, renderer: new LiveRenderer(model.G, model.params.G) };
  }
  return current.renderer;
}

function hostStyle(model: SpadeModel, style: StyleSpec): HostStyle {
  const cfg = model.config;
  if (style.kind === 'z' && cfg.use_vae && style.z.length !== cfg.z_dim) {
    throw new SpadeInputError(`style code has ${style.z.length} values but the model needs ${cfg.z_dim}`);
  }
  return style.kind === 'seed' ? { seed: style.seed } : { z: cfg.use_vae ? style.z : undefined };
}

/**
 * Returns to the event loop for a moment, so that messages already posted to this thread are
 * handled (a MessageChannel, not setTimeout, which browsers clamp to 4 ms when nested).
 */
let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];
function yieldToMessages(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}
