/**
 * Widens every SPADE layer's hidden width to NVlabs' fixed one without changing the model:
 * the extra `mlp_shared` filters get zero weights and zero bias, so after the ReLU their
 * channels are exactly zero, and `mlp_gamma` / `mlp_beta` get zero weights on those channels.
 */
import type { HostTensor, NamedTensors } from '../checkpoint/host_tensor';

/** G's tensors with every SPADE layer's hidden width raised from `from` to `to` (a copy). */
export function padSpadeHidden(G: NamedTensors, from: number, to: number): NamedTensors {
  if (to < from) throw new Error(`internal: cannot pad spade_hidden ${from} down to ${to}`);
  if (to === from) return new Map(G);
  const out: NamedTensors = new Map();
  for (const [key, t] of G) {
    if (/(^|\.)mlp_shared\.0\.(weight|bias)$/.test(key)) out.set(key, padOuter(key, t, from, to));
    else if (/(^|\.)mlp_(gamma|beta)\.weight$/.test(key)) out.set(key, padInput(key, t, from, to));
    else out.set(key, t);
  }
  return out;
}

/** Axis 0 (output filters, or the bias): the new filters are all zero. */
function padOuter(key: string, t: HostTensor, from: number, to: number): HostTensor {
  expectAxis(key, t, 0, from);
  const shape = [to, ...t.shape.slice(1)];
  const data = new Float32Array(t.data.length / from * to);
  data.set(t.data);
  return { shape, data, sourceDtype: t.sourceDtype };
}

/** Axis 1 (input channels, OIHW): every output filter gets zero weights on the new inputs. */
function padInput(key: string, t: HostTensor, from: number, to: number): HostTensor {
  expectAxis(key, t, 1, from);
  const [outNc, , ...kernel] = t.shape;
  const inner = kernel.reduce((a, b) => a * b, 1);
  const data = new Float32Array(outNc * to * inner);
  for (let o = 0; o < outNc; o++) data.set(t.data.subarray(o * from * inner, (o + 1) * from * inner), o * to * inner);
  return { shape: [outNc, to, ...kernel], data, sourceDtype: t.sourceDtype };
}

function expectAxis(key: string, t: HostTensor, axis: number, size: number): void {
  if (t.shape[axis] !== size) throw new Error(`internal: ${key} has shape [${t.shape}], expected ${size} on axis ${axis}`);
}
