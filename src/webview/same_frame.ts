/** Whether two frame requests ask for the same picture: the same model ids and the same style. */
import type { StyleSpec } from './worker_protocol';

export function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameStyle(a: StyleSpec, b: StyleSpec): boolean {
  if (a.kind === 'seed') return b.kind === 'seed' && a.seed === b.seed;
  return b.kind === 'z' && a.z.length === b.z.length && a.z.every((v, i) => v === b.z[i]);
}
