/**
 * The UI state kept across hide/show (VS Code's webview state, JSON): tool, brush size,
 * style, view mode. Anything malformed in a stored state falls back to the default.
 */
import { FIRST_SEED } from '../shared/first_picture';
import type { StyleSpec } from './worker_protocol';

export type Tool = 'brush' | 'fill' | 'eraser' | 'eyedropper' | 'line' | 'rect' | 'polygon' | 'lasso';
export type ViewMode = 'side' | 'overlay';

export interface UiState {
  tool: Tool;
  brushSize: number;
  /** File id the brush and fill paint; null until the user or the label set picks one. */
  classId: number | null;
  seed: number;
  /** An encoded style image, used instead of the seed while set. */
  styleImage: { name: string; z: number[] } | null;
  view: ViewMode;
  /** Output opacity in overlay mode, 0..1. */
  opacity: number;
  filter: string;
}

export const BRUSH_MIN = 1;
export const BRUSH_MAX = 128;
/**
 * Seeds are 1..2^32-1: tfjs treats seed 0 as "no seed" (`seed ? seed : Math.random()` in its
 * rand_util), so a 0 would draw a different z on every frame.
 */
export const MIN_SEED = 1;
export const MAX_SEED = 2 ** 32 - 1;

export const DEFAULT_STATE: UiState = {
  tool: 'brush',
  brushSize: 8,
  classId: null,
  seed: FIRST_SEED,
  styleImage: null,
  view: 'side',
  opacity: 0.6,
  filter: '',
};

const TOOLS: Tool[] = ['brush', 'fill', 'eraser', 'eyedropper', 'line', 'rect', 'polygon', 'lasso'];

export function restoreState(s: Partial<UiState> | undefined): UiState {
  const d = DEFAULT_STATE;
  if (!s) return { ...d };
  const int = (v: unknown, lo: number, hi: number, dflt: number) =>
    Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi ? (v as number) : dflt;
  const style = s.styleImage;
  return {
    tool: TOOLS.includes(s.tool as Tool) ? (s.tool as Tool) : d.tool,
    brushSize: int(s.brushSize, BRUSH_MIN, BRUSH_MAX, d.brushSize),
    classId: s.classId === null ? null : int(s.classId, 0, 65535, -1) >= 0 ? (s.classId as number) : d.classId,
    seed: int(s.seed, MIN_SEED, MAX_SEED, d.seed),
    styleImage:
      style && typeof style.name === 'string' && Array.isArray(style.z) && style.z.every((v) => typeof v === 'number') ? { name: style.name, z: style.z } : null,
    view: s.view === 'overlay' ? 'overlay' : 'side',
    opacity: typeof s.opacity === 'number' && s.opacity >= 0 && s.opacity <= 1 ? s.opacity : d.opacity,
    filter: typeof s.filter === 'string' ? s.filter.slice(0, 100) : d.filter,
  };
}

/** A seed for the toolbar's "random style": uniform over MIN_SEED..MAX_SEED. */
export function randomSeed(): number {
  const a = new Uint32Array(1);
  do crypto.getRandomValues(a);
  while (a[0] < MIN_SEED);
  return a[0];
}

/** The style the picture is rendered in: the style image's code while one is set, else the seed. */
export function styleSpec(s: UiState): StyleSpec {
  return s.styleImage ? { kind: 'z', z: Float32Array.from(s.styleImage.z) } : { kind: 'seed', seed: s.seed };
}

/** The same, in words (the status line's data-style). */
export function styleLabel(s: UiState): string {
  return s.styleImage ? `style image ${s.styleImage.name}` : `seed ${s.seed}`;
}
