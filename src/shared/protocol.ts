/**
 * The messages between the extension host and the label-map webview: one discriminated
 * union per direction, imported by both sides. The host owns the document (file ids and
 * edit history); the webview owns pixels, tools and inference. Every message the host
 * receives goes through `parseWebviewMessage` before it is used.
 *
 * Ids in messages are FILE ids (the values stored in the PNG); the webview maps them to
 * model channels with the label set, as the CLI does.
 */

import { MAX_STYLE_FILE_BYTES, type CheckpointIdentity } from '../model/io/style_file';
import { parsePreviewTrace, type PreviewTrace, type TraceMarks } from './preview_trace';

export type Rgb = [number, number, number];

export interface LabelSetInfo {
  name: string;
  /** Class names; index = model channel id. */
  names: string[];
  colors: Rgb[];
  /** File id meaning dontcare (the eraser paints it), or null when the model has none. */
  dontcareId: number | null;
  /** File id = model id + idOffset (ADE20K: 1). */
  idOffset: number;
}

export interface DocumentInfo {
  fileName: string;
  width: number;
  height: number;
  /** File ids, row-major. */
  ids: Int32Array;
  /** Human-readable encoding ("8-bit grayscale", "palette", "RGB"). */
  encoding: string;
}

/**
 * The checkpoint a preview loads. The page fetches its bytes from `url`, a webview resource
 * (src/extension/preview_model_file.ts): far faster than a message carrying them.
 */
export interface CheckpointInfo {
  /** Shown in the status line. */
  name: string;
  url: string;
  byteLength: number;
  /** Contents of opt.txt, for official .pth checkpoints. */
  optTxt?: string;
}

/** A decoded style image: H*W*3 floats in [-1, 1], row-major RGB (what the encoder takes). */
export interface StylePixels {
  width: number;
  height: number;
  data: Float32Array;
}

/** A style in a loaded `.spade-style.json`: its code, and its image when the source could be read. */
export interface LoadedStyle {
  name: string;
  source: string;
  mu: number[];
  logvar: number[];
  image?: StylePixels;
}

/**
 * `spade.maxPixels`: the most pixels (width x height) an image may have before it is decoded.
 * Label maps on the host, style images in the webview's worker. A positive integer up to 2^32
 * (a 65536² image; a decoder could not hold more anyway); null for anything else.
 */
export function parseMaxPixels(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 2 ** 32 ? v : null;
}

/** TF.js backends the webview's inference worker can run on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** `spade.inferenceBackend`: 'auto' (webview/backend_order.ts), or the backend to start with. */
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** tfjs-backend-wasm's binaries, which the build copies into dist/ and the host names to the webview. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export function parseBackendPreference(v: unknown): BackendPreference | null {
  return BACKEND_PREFERENCES.find((p) => p === v) ?? null;
}

export type HostToWebview =
  /**
   * `maxPixels`: the validated `spade.maxPixels`, which style images obey (see parseMaxPixels).
   * `trace`: the host's marks of this open (open, modelRead, initSent; see preview_trace.ts).
   */
  | {
      type: 'init';
      document: DocumentInfo;
      labelSet: LabelSetInfo;
      checkpoint: CheckpointInfo;
      editable: boolean;
      maxPixels: number;
      trace: TraceMarks;
    }
  /** `spade.maxPixels` changed (validated by the host). */
  | { type: 'settings'; maxPixels: number }
  /** The whole mask changed (an edit in another panel, undo, redo, revert, reload from disk). */
  | { type: 'setIds'; ids: Int32Array; reason: 'edit' | 'undo' | 'redo' | 'revert' | 'reload' }
  | { type: 'checkpoint'; checkpoint: CheckpointInfo; labelSet: LabelSetInfo; trace: TraceMarks }
  /**
   * The host's first picture (src/shared/first_picture.ts): RGBA of `model` for the map whose ids
   * hash to `idsHash`, in seed `seed`; `marks`: the host's frame (hostFrameStarted, hostFrameDone).
   */
  | { type: 'firstPicture'; model: string; idsHash: number; seed: number; width: number; height: number; rgba: Uint8Array; marks: TraceMarks }
  | { type: 'styleImage'; name: string; bytes: Uint8Array }
  /** SPADE: Compare Style Encodings: open the Styles panel. */
  | { type: 'showStyles' }
  /** A style image for the Styles panel, read and decoded by the host; `source` is relative to the mask. */
  | { type: 'styleImageData'; name: string; source: string; image: StylePixels }
  /** A `.spade-style.json` read and validated by the host; a warning when it came from another model. */
  | { type: 'styleSet'; fileName: string; styles: LoadedStyle[]; zDim: number; checkpoint: CheckpointIdentity }
  /**
   * The picture on screen as a PNG. `size`: larger than the model's output (the label map's own
   * size), the picture is upsampled bilinearly (see src/webview/upsample.ts); absent, the model's size.
   */
  | { type: 'exportRequest'; requestId: number; size?: PictureSize }
  /** SPADE: Copy Picture: put the picture on screen on the clipboard (answered with copyResult). */
  | { type: 'copyPicture'; requestId: number }
  /** One of the editor's keybindings (package.json `keybindings`), which VS Code resolves. */
  | { type: 'editorAction'; action: EditorAction }
  | { type: 'error'; message: string };

/** What the editor's keybindings and their commands (`spade.tool.*`, `spade.brush.*`) ask of the webview. */
export type EditorAction = 'brush' | 'fill' | 'eraser' | 'eyedropper' | 'line' | 'rect' | 'polygon' | 'lasso' | 'smaller' | 'larger';

export interface StrokeMessage {
  type: 'stroke';
  /** What the user did, for the undo menu ("Brush", "Fill", "Erase"). */
  label: string;
  /** Changed pixels (row-major indices, strictly increasing) and the file id painted there. */
  indices: Uint32Array;
  value: number;
}

export interface StatusMessage {
  type: 'status';
  backend: string;
  model: string;
  /** Last frame, ms from request to pixels; null before the first frame. */
  latencyMs: number | null;
  frames: number;
  /** Set when the last frame failed; the previous image stays on screen. */
  error?: string;
  /** Where the style of the image on screen comes from: `seed <n>` or `style image <file>`. */
  style?: string;
}

export type WebviewToHost =
  | { type: 'ready' }
  | StrokeMessage
  | StatusMessage
  | { type: 'pickStyleImage' }
  /** Styles panel: pick style images from the workspace (answered with styleImageData). */
  | { type: 'addStyleImages' }
  /** Styles panel: images dropped from the Explorer (their URIs; the host reads only files inside the workspace). */
  | { type: 'dropStyleImages'; uris: string[] }
  /** Styles panel: write this `.spade-style.json` text next to the mask (the host validates it). */
  | { type: 'saveStyleSet'; text: string }
  /** Styles panel: read the `.spade-style.json` next to the mask (answered with styleSet). */
  | { type: 'loadStyleSet' }
  /**
   * Styles panel: interpolation frames as PNGs, written next to the mask as `<stem>.<label>_<k>.png`,
   * and the same frames as one animated PNG, `<stem>.<label>_anim.png`.
   */
  | { type: 'exportFrames'; label: string; pngs: Uint8Array[]; apng?: Uint8Array }
  /** `style`: what the picture was rendered with, for the exported file's name. */
  | { type: 'exportImage'; requestId: number; png: Uint8Array; width: number; height: number; style: PictureStyle }
  /** The answer to copyPicture: `error` says why the clipboard refused the picture. */
  | { type: 'copyResult'; requestId: number; error?: string }
  /** A finished latency trace (a picture after an open or a stroke), for SPADE: Show Preview Timings. */
  | { type: 'trace'; trace: PreviewTrace }
  | { type: 'log'; message: string };

export interface PictureSize {
  width: number;
  height: number;
}

/** The style a picture was rendered in: the seed of a random style, or a style image's name. */
export type PictureStyle = { kind: 'seed'; seed: number } | { kind: 'image'; name: string };

/** The largest exported picture, in pixels (an RGBA frame of it is 1 GiB). */
export const MAX_EXPORT_PIXELS = 2 ** 28;

export function parsePictureSize(v: unknown): PictureSize | null {
  if (!isObj(v) || !isInt(v.width) || !isInt(v.height) || v.width < 1 || v.height < 1) return null;
  return v.width * v.height <= MAX_EXPORT_PIXELS ? { width: v.width, height: v.height } : null;
}

function parsePictureStyle(v: unknown): PictureStyle | null {
  if (!isObj(v)) return null;
  if (v.kind === 'seed' && isInt(v.seed) && v.seed >= 0) return { kind: 'seed', seed: v.seed };
  if (v.kind === 'image' && isStr(v.name, 300)) return { kind: 'image', name: v.name };
  return null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Binary payloads cross a realm boundary (webview iframes, the extension host), where
 * `instanceof Uint8Array` is false for a perfectly good array. These check the brand instead.
 */
const tag = (v: unknown) => Object.prototype.toString.call(v);

export function asUint8Array(v: unknown): Uint8Array | null {
  if (tag(v) === '[object ArrayBuffer]') return new Uint8Array(v as ArrayBuffer);
  if (tag(v) === '[object Uint8Array]') {
    const a = v as Uint8Array;
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  }
  return null;
}

export function asInt32Array(v: unknown): Int32Array | null {
  return tag(v) === '[object Int32Array]' ? Int32Array.from(v as Int32Array) : null;
}

function asUint32Array(v: unknown): Uint32Array | null {
  return tag(v) === '[object Uint32Array]' ? Uint32Array.from(v as Uint32Array) : null;
}
const isStr = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Validates a message from the webview against the document's size. Returns null (and the
 * caller logs it) for anything malformed: the webview is never trusted to be well-behaved.
 */
export function parseWebviewMessage(m: unknown, pixelCount: number): WebviewToHost | null {
  if (!isObj(m) || typeof m.type !== 'string') return null;
  switch (m.type) {
    case 'ready':
    case 'pickStyleImage':
    case 'addStyleImages':
    case 'loadStyleSet':
      return { type: m.type };
    case 'saveStyleSet':
      return isStr(m.text, MAX_STYLE_FILE_BYTES) ? { type: 'saveStyleSet', text: m.text } : null;
    case 'dropStyleImages': {
      const uris: unknown = m.uris;
      if (!Array.isArray(uris) || uris.length === 0 || uris.length > 64 || !uris.every((u) => isStr(u, 4096))) return null;
      return { type: 'dropStyleImages', uris: uris as string[] };
    }
    case 'exportFrames': {
      if (!isStr(m.label, 60) || !/^[A-Za-z0-9_-]+$/.test(m.label) || !Array.isArray(m.pngs) || m.pngs.length === 0 || m.pngs.length > 256) return null;
      const pngs = m.pngs.map(asUint8Array);
      if (pngs.some((p) => !p || p.length > 64 * 1024 * 1024)) return null;
      const apng = m.apng === undefined ? undefined : asUint8Array(m.apng);
      if (apng === null || (apng && apng.length > 256 * 1024 * 1024)) return null;
      return { type: 'exportFrames', label: m.label, pngs: pngs as Uint8Array[], ...(apng ? { apng } : {}) };
    }
    case 'log':
      return isStr(m.message) ? { type: 'log', message: m.message } : null;
    case 'trace': {
      const trace = parsePreviewTrace(m.trace);
      return trace ? { type: 'trace', trace } : null;
    }
    case 'stroke': {
      if (!isStr(m.label, 40) || !isInt(m.value) || m.value < 0 || m.value > 65535) return null;
      const idx = asUint32Array(m.indices);
      if (!idx || idx.length === 0 || idx.length > pixelCount) return null;
      for (let i = 0; i < idx.length; i++) {
        if (idx[i] >= pixelCount || (i > 0 && idx[i] <= idx[i - 1])) return null;
      }
      return { type: 'stroke', label: m.label, indices: idx, value: m.value };
    }
    case 'status': {
      if (!isStr(m.backend, 40) || !isStr(m.model, 200) || !isInt(m.frames)) return null;
      const lat = m.latencyMs;
      if (!(lat === null || (typeof lat === 'number' && Number.isFinite(lat) && lat >= 0))) return null;
      if (m.error !== undefined && !isStr(m.error, 2000)) return null;
      if (m.style !== undefined && !isStr(m.style, 300)) return null;
      return { type: 'status', backend: m.backend, model: m.model, latencyMs: lat, frames: m.frames, error: m.error as string | undefined, style: m.style as string | undefined };
    }
    case 'exportImage': {
      const png = asUint8Array(m.png);
      const size = parsePictureSize(m);
      const style = parsePictureStyle(m.style);
      if (!isInt(m.requestId) || !png || png.length > 256 * 1024 * 1024 || !size || !style) return null;
      return { type: 'exportImage', requestId: m.requestId, png, ...size, style };
    }
    case 'copyResult':
      if (!isInt(m.requestId) || (m.error !== undefined && !isStr(m.error, 2000))) return null;
      return { type: 'copyResult', requestId: m.requestId, ...(m.error !== undefined ? { error: m.error as string } : {}) };
    default:
      return null;
  }
}
