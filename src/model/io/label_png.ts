/**
 * Label-map and instance-map PNG reading/writing, for Node and browser workers alike:
 * bytes in, bytes out; no `fs`, no DOM.
 *
 * Decoding is done by fast-png, but only after our own structural pass over the file: the IHDR
 * is parsed and its size checked against `maxPixels` before anything is inflated; every chunk's
 * length and CRC is checked (fast-png skips CRCs unless asked); and the image data is inflated
 * once in small steps, only counting bytes, so a zlib bomb behind a small header is refused
 * before fast-png inflates it for real, and short image data (which fast-png silently fills
 * with zeros) is an error. The cost is a second inflate: a few ms per megapixel.
 */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import type { ImageData as PngImageData } from 'fast-png';
import { Unzlib } from 'fflate';
import { SpadeInputError } from '../errors';
import { crc32 } from './png_crc';

export type RGB = [number, number, number];

/** How a label PNG stored its ids, so that a save can write them back the same way. */
export type LabelEncoding =
  /** Grayscale: pixel value = id. `alpha`: the file had a (fully opaque) alpha channel. */
  | { kind: 'gray'; bitDepth: 1 | 2 | 4 | 8 | 16; alpha?: boolean }
  /** Indexed colour: palette index = id; `palette` is the file's PLTE (entry i = colour of id i). */
  | { kind: 'palette'; bitDepth: 1 | 2 | 4 | 8; palette: RGB[] }
  /** Colour-coded truecolour map read back through `palette` (entry i = colour of id i; may have holes). */
  | { kind: 'rgb'; palette: (RGB | undefined)[]; alpha?: boolean };

export interface LabelMap {
  width: number;
  height: number;
  /** Row-major, `width * height` ids. */
  ids: Int32Array;
  encoding: LabelEncoding;
}

export interface InstanceMap {
  width: number;
  height: number;
  ids: Int32Array;
}

export interface DecodePngOptions {
  /** Colour of each id (index = id; holes allowed), needed to read RGB colour-coded maps. */
  palette?: readonly (RGB | undefined)[];
  /** Refuse images with more pixels than this (checked on the header, before decoding). */
  maxPixels?: number;
}

export interface IdCount {
  id: number;
  count: number;
}

export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** PNG colour types. */
const CT_GRAY = 0;
const CT_RGB = 2;
const CT_PALETTE = 3;
const CT_GRAY_ALPHA = 4;
const CT_RGBA = 6;

const COLOR_TYPE_NAMES: Record<number, string> = {
  [CT_GRAY]: 'grayscale',
  [CT_RGB]: 'RGB',
  [CT_PALETTE]: 'palette',
  [CT_GRAY_ALPHA]: 'grayscale+alpha',
  [CT_RGBA]: 'RGBA',
};

const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  [CT_GRAY]: [1, 2, 4, 8, 16],
  [CT_RGB]: [8, 16],
  [CT_PALETTE]: [1, 2, 4, 8],
  [CT_GRAY_ALPHA]: [8, 16],
  [CT_RGBA]: [8, 16],
};

const CHANNELS: Record<number, number> = {
  [CT_GRAY]: 1,
  [CT_RGB]: 3,
  [CT_PALETTE]: 1,
  [CT_GRAY_ALPHA]: 2,
  [CT_RGBA]: 4,
};

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

function fail(fileName: string, message: string): never {
  throw new SpadeInputError(message, fileName);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function chunkType(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function printableType(t: string): string {
  return /^[A-Za-z]{4}$/.test(t) ? t : JSON.stringify(t);
}

/**
 * Parses and validates the signature and IHDR only (first 33 bytes). Cheap; allocates nothing
 * proportional to the image, so callers can refuse huge images before decoding.
 */
export function readPngHeader(bytes: Uint8Array, fileName: string): PngHeader {
  if (bytes.length === 0) fail(fileName, 'file is empty, expected a PNG');
  if (PNG_SIGNATURE.some((v, i) => i < bytes.length && bytes[i] !== v)) fail(fileName, 'not a PNG file (bad signature)');
  if (bytes.length < 33) fail(fileName, `truncated PNG: ${bytes.length} bytes, too short for a PNG header`);
  const len = u32(bytes, 8);
  const type = chunkType(bytes, 12);
  if (type !== 'IHDR') fail(fileName, `corrupt PNG: first chunk is ${printableType(type)}, expected IHDR`);
  if (len !== 13) fail(fileName, `corrupt PNG: IHDR chunk length is ${len}, expected 13`);
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  const compression = bytes[26];
  const filter = bytes[27];
  const interlace = bytes[28];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    fail(fileName, `corrupt PNG: invalid image size ${width}x${height}`);
  }
  const depths = ALLOWED_DEPTHS[colorType];
  if (!depths) fail(fileName, `corrupt PNG: unknown colour type ${colorType}`);
  if (!depths.includes(bitDepth)) {
    fail(fileName, `corrupt PNG: bit depth ${bitDepth} is not allowed for ${COLOR_TYPE_NAMES[colorType]} images`);
  }
  if (compression !== 0) fail(fileName, `corrupt PNG: unknown compression method ${compression}`);
  if (filter !== 0) fail(fileName, `corrupt PNG: unknown filter method ${filter}`);
  if (interlace > 1) fail(fileName, `corrupt PNG: unknown interlace method ${interlace}`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

function checkPixelBudget(h: PngHeader, maxPixels: number, fileName: string): void {
  const pixels = h.width * h.height;
  if (pixels > maxPixels) {
    fail(fileName, `image is ${h.width}x${h.height} (${pixels} pixels), more than the limit of ${maxPixels} pixels`);
  }
}

/** Bytes of filtered scanline data (with filter bytes) the header promises. */
function expectedRawSize(h: PngHeader): number {
  const bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
  const rowBytes = (w: number) => 1 + Math.ceil((w * bitsPerPixel) / 8);
  if (!h.interlaced) return h.height * rowBytes(h.width);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const ph = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (pw > 0 && ph > 0) total += ph * rowBytes(pw);
  }
  return total;
}

interface ChunkScan {
  idat: Array<[number, number]>; // [start, end) of each IDAT's data
  hasPalette: boolean;
  paletteSize: number;
}

/** Walks all chunks: lengths within the file, CRCs, IEND present, IDAT present, PLTE where needed. */
function scanChunks(bytes: Uint8Array, h: PngHeader, fileName: string): ChunkScan {
  const scan: ChunkScan = { idat: [], hasPalette: false, paletteSize: 0 };
  let at = 8;
  let sawIend = false;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) fail(fileName, `truncated PNG: file ends inside a chunk header at byte ${at}`);
    const len = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (len > 0x7fffffff) fail(fileName, `corrupt PNG: chunk ${printableType(type)} at byte ${at} has invalid length ${len}`);
    const end = at + 12 + len;
    if (end > bytes.length) {
      fail(fileName, `truncated PNG: chunk ${printableType(type)} at byte ${at} needs ${12 + len} bytes but the file ends at byte ${bytes.length}`);
    }
    const stored = u32(bytes, at + 8 + len);
    if (crc32(bytes, at + 4, at + 8 + len) !== stored) {
      fail(fileName, `corrupt PNG: CRC mismatch in chunk ${printableType(type)} at byte ${at}`);
    }
    if (type === 'IDAT') {
      scan.idat.push([at + 8, at + 8 + len]);
    } else if (type === 'PLTE') {
      if (len % 3 !== 0 || len === 0 || len > 768) fail(fileName, `corrupt PNG: PLTE chunk length ${len} is not 3..768 and a multiple of 3`);
      scan.hasPalette = true;
      scan.paletteSize = len / 3;
    } else if (type === 'IHDR' && at !== 8) {
      fail(fileName, 'corrupt PNG: more than one IHDR chunk');
    } else if (type === 'IEND') {
      sawIend = true;
      break;
    }
    at = end;
  }
  if (!sawIend) fail(fileName, 'truncated PNG: no IEND chunk (file cut short?)');
  if (scan.idat.length === 0) fail(fileName, 'corrupt PNG: no image data (IDAT chunk)');
  if (h.colorType === CT_PALETTE && !scan.hasPalette) fail(fileName, 'corrupt PNG: palette image without a PLTE chunk');
  return scan;
}

/**
 * Inflates the IDAT stream in small steps, only counting bytes, and checks that it holds
 * exactly what the header promises. Peak extra memory is bounded (~17 MB) whatever the input.
 */
function checkImageData(bytes: Uint8Array, h: PngHeader, scan: ChunkScan, fileName: string): void {
  const expected = expectedRawSize(h);
  let got = 0;
  let ended = false;
  const TOO_MUCH = 'too much';
  const inflator = new Unzlib((chunk, final) => {
    got += chunk.length;
    if (final) ended = true;
    if (got > expected) throw new Error(TOO_MUCH);
  });
  const STEP = 16384; // <= ~17 MB of output per push (deflate expands at most ~1032x)
  try {
    for (const [start, end] of scan.idat) {
      for (let p = start; p < end; p += STEP) {
        inflator.push(bytes.subarray(p, Math.min(end, p + STEP)), false);
      }
    }
    inflator.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof Error && e.message === TOO_MUCH) {
      fail(fileName, `corrupt PNG: image data inflates to more than the ${expected} bytes a ${h.width}x${h.height} image needs`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected EOF/i.test(msg)) {
      fail(fileName, `truncated PNG: image data ends early (${got} of ${expected} bytes)`);
    }
    fail(fileName, `corrupt PNG: cannot inflate image data (${msg})`);
  }
  if (!ended || got < expected) {
    fail(fileName, `truncated PNG: image data ends early (${got} of ${expected} bytes)`);
  }
}

interface RawPng {
  header: PngHeader;
  /** fast-png's data: 8-bit (sub-byte depths still packed per row) or 16-bit samples. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  palette: RGB[] | undefined;
}

function readPng(bytes: Uint8Array, fileName: string, maxPixels: number): RawPng {
  const header = readPngHeader(bytes, fileName);
  checkPixelBudget(header, maxPixels, fileName);
  if (header.interlaced && header.bitDepth < 8) {
    // fast-png 8 mis-decodes Adam7 at 1/2/4 bits (it ignores sub-byte packing).
    fail(fileName, `interlaced ${header.bitDepth}-bit PNGs are not supported; re-save it without interlacing`);
  }
  const scan = scanChunks(bytes, header, fileName);
  checkImageData(bytes, header, scan, fileName);
  let png;
  try {
    png = decodePng(bytes, { checkCrc: false }); // CRCs already checked by scanChunks
  } catch (e) {
    fail(fileName, `corrupt PNG: ${e instanceof Error ? e.message : String(e)}`);
  }
  const palette = png.palette?.map((c): RGB => [c[0], c[1], c[2]]);
  return { header, data: png.data, palette };
}

/**
 * Structural check of any PNG without decoding its pixels: the header, the pixel limit (before
 * anything is inflated), chunk lengths and CRCs, and image data inflating to exactly the size
 * the header promises. Photos decoded by fast-png alone would not catch a truncated file.
 */
export function checkPng(bytes: Uint8Array, fileName: string, maxPixels = DEFAULT_MAX_PIXELS): PngHeader {
  const header = readPngHeader(bytes, fileName);
  checkPixelBudget(header, maxPixels, fileName);
  checkImageData(bytes, header, scanChunks(bytes, header, fileName), fileName);
  return header;
}

/** Sample `i` of a single-channel image as an integer, unpacking 1/2/4-bit rows. */
function unpackSingleChannel(raw: RawPng): Int32Array {
  const { width, height, bitDepth } = raw.header;
  const n = width * height;
  const out = new Int32Array(n);
  const data = raw.data;
  if (bitDepth >= 8) {
    if (data.length < n) throw new Error(`fast-png returned ${data.length} samples for ${n} pixels`);
    for (let i = 0; i < n; i++) out[i] = data[i];
    return out;
  }
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const byte = data[row + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - bitDepth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Checks an interleaved alpha channel is fully opaque. */
function checkOpaque(raw: RawPng, channels: number, fileName: string): void {
  const { data } = raw;
  const opaque = raw.header.bitDepth === 16 ? 65535 : 255;
  let transparent = 0;
  for (let i = channels - 1; i < data.length; i += channels) if (data[i] !== opaque) transparent++;
  if (transparent > 0) {
    fail(
      fileName,
      `${COLOR_TYPE_NAMES[raw.header.colorType]} PNG has ${transparent} non-opaque pixel(s); label maps must be fully opaque (flatten or drop the alpha channel)`,
    );
  }
}

function extractChannel(raw: RawPng, channels: number, channel: number): Int32Array {
  const n = raw.header.width * raw.header.height;
  const out = new Int32Array(n);
  const { data } = raw;
  for (let i = 0, j = channel; i < n; i++, j += channels) out[i] = data[j];
  return out;
}

function hex(c: number): string {
  return '#' + c.toString(16).padStart(6, '0');
}

function rgbToIds(raw: RawPng, palette: readonly (RGB | undefined)[], fileName: string): Int32Array {
  const { width, height, bitDepth, colorType } = raw.header;
  const channels = CHANNELS[colorType];
  const n = width * height;
  const { data } = raw;
  if (bitDepth === 16) {
    for (let i = 0; i < data.length; i++) {
      if (data[i] % 257 !== 0) {
        fail(fileName, '16-bit colour PNG has colours that are not 8-bit colours; save the label map with 8 bits per channel');
      }
    }
  }
  const shift = bitDepth === 16 ? 8 : 0;
  const lookup = new Map<number, number>();
  for (let id = 0; id < palette.length; id++) {
    const c = palette[id];
    if (!c) continue;
    const key = ((c[0] & 255) << 16) | ((c[1] & 255) << 8) | (c[2] & 255);
    if (!lookup.has(key)) lookup.set(key, id); // first id wins for shared colours
  }
  const out = new Int32Array(n);
  const unknown = new Map<number, number>();
  let lastKey = -1;
  let lastId = -1;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const key = ((data[j] >> shift) << 16) | ((data[j + 1] >> shift) << 8) | (data[j + 2] >> shift);
    if (key !== lastKey) {
      lastKey = key;
      lastId = lookup.get(key) ?? -1;
    }
    if (lastId < 0) unknown.set(key, (unknown.get(key) ?? 0) + 1);
    out[i] = lastId;
  }
  if (unknown.size > 0) {
    const list = [...unknown.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const shown = list.slice(0, 5).map(([k, c]) => `${hex(k)} (${c} px)`).join(', ');
    const more = list.length > 5 ? ` and ${list.length - 5} more` : '';
    fail(fileName, `colours not in the label palette: ${shown}${more}`);
  }
  return out;
}

/**
 * Reads a semantic label map. Grayscale (any bit depth) and palette PNGs give ids directly
 * (palette index = id); RGB(A) colour-coded maps need `opts.palette` (first id wins when two
 * ids share a colour). An alpha channel must be fully opaque.
 */
export function decodeLabelMap(bytes: Uint8Array, fileName: string, opts: DecodePngOptions = {}): LabelMap {
  const raw = readPng(bytes, fileName, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  const { width, height, bitDepth, colorType } = raw.header;
  switch (colorType) {
    case CT_GRAY:
      return { width, height, ids: unpackSingleChannel(raw), encoding: { kind: 'gray', bitDepth: bitDepth as 1 | 2 | 4 | 8 | 16 } };
    case CT_GRAY_ALPHA:
      checkOpaque(raw, 2, fileName);
      return { width, height, ids: extractChannel(raw, 2, 0), encoding: { kind: 'gray', bitDepth: bitDepth as 8 | 16, alpha: true } };
    case CT_PALETTE:
      return {
        width,
        height,
        ids: unpackSingleChannel(raw),
        encoding: { kind: 'palette', bitDepth: bitDepth as 1 | 2 | 4 | 8, palette: raw.palette ?? [] },
      };
    case CT_RGB:
    case CT_RGBA: {
      if (!opts.palette || opts.palette.length === 0) {
        fail(fileName, `is an ${COLOR_TYPE_NAMES[colorType]} colour image; reading it as a label map needs the label set's colour palette`);
      }
      if (colorType === CT_RGBA) checkOpaque(raw, 4, fileName);
      const ids = rgbToIds(raw, opts.palette, fileName);
      const encoding: LabelEncoding = { kind: 'rgb', palette: [...opts.palette] };
      if (colorType === CT_RGBA) encoding.alpha = true;
      return { width, height, ids, encoding };
    }
    default:
      return fail(fileName, `unsupported colour type ${colorType}`);
  }
}

/**
 * Reads an instance-id map: grayscale (1..16-bit) or palette-index PNG (alpha, if any, must be
 * opaque). NVlabs uses 8-bit maps for COCO-Stuff and 16-bit `*_instanceIds.png` for Cityscapes.
 */
export function decodeInstanceMap(bytes: Uint8Array, fileName: string, opts: { maxPixels?: number } = {}): InstanceMap {
  const raw = readPng(bytes, fileName, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  const { width, height, colorType } = raw.header;
  if (colorType === CT_GRAY || colorType === CT_PALETTE) return { width, height, ids: unpackSingleChannel(raw) };
  if (colorType === CT_GRAY_ALPHA) {
    checkOpaque(raw, 2, fileName);
    return { width, height, ids: extractChannel(raw, 2, 0) };
  }
  return fail(fileName, `instance maps must be 8- or 16-bit grayscale (or palette) PNGs, this one is ${COLOR_TYPE_NAMES[colorType]}`);
}

function depthFor(maxValue: number): 1 | 2 | 4 | 8 | 16 {
  if (maxValue < 2) return 1;
  if (maxValue < 4) return 2;
  if (maxValue < 16) return 4;
  if (maxValue < 256) return 8;
  return 16;
}

function idRange(ids: Int32Array): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function packSingleChannel(ids: Int32Array, width: number, height: number, depth: number): Uint8Array | Uint16Array {
  if (depth === 16) return Uint16Array.from(ids);
  if (depth === 8) return Uint8Array.from(ids);
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)] |= ids[y * width + x] << (8 - depth - (bit & 7));
    }
  }
  return out;
}

/**
 * Writes a label map back in its recorded encoding. Bit depths are widened when the ids no
 * longer fit (e.g. id 5 painted into a 2-bit map); palette PNGs get black entries appended for
 * ids beyond their palette. Throws RangeError for ids that cannot be stored: negative ids,
 * ids > 65535 (gray), > 255 (palette), or without a colour (rgb).
 */
export function encodeLabelMap(map: LabelMap): Uint8Array {
  const { width, height, ids, encoding } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid label map size ${width}x${height}`);
  }
  if (ids.length !== width * height) {
    throw new RangeError(`label map has ${ids.length} ids for ${width}x${height} = ${width * height} pixels`);
  }
  const [lo, hi] = idRange(ids);
  if (lo < 0) throw new RangeError(`label map has negative id ${lo}; cannot encode`);
  let png: PngImageData;
  switch (encoding.kind) {
    case 'gray': {
      if (hi > 65535) throw new RangeError(`id ${hi} does not fit a 16-bit grayscale PNG`);
      let depth = Math.max(encoding.bitDepth, depthFor(hi));
      if (encoding.alpha && depth < 8) depth = 8; // gray+alpha exists only at 8/16 bits
      const gray = packSingleChannel(ids, width, height, depth);
      if (encoding.alpha) {
        const n = width * height;
        const data = depth === 16 ? new Uint16Array(2 * n) : new Uint8Array(2 * n);
        const opaque = depth === 16 ? 65535 : 255;
        for (let i = 0; i < n; i++) {
          data[2 * i] = gray[i];
          data[2 * i + 1] = opaque;
        }
        png = { width, height, data, depth: depth as 8 | 16, channels: 2 };
      } else {
        png = { width, height, data: gray, depth: depth as 1 | 2 | 4 | 8 | 16, channels: 1 };
      }
      break;
    }
    case 'palette': {
      if (hi > 255) throw new RangeError(`id ${hi} does not fit a palette PNG (max 255); use a grayscale encoding`);
      const palette: number[][] = [];
      const size = Math.max(encoding.palette.length, hi + 1);
      if (size > 256) throw new RangeError(`a PNG palette holds at most 256 colours, this one has ${size}`);
      for (let i = 0; i < size; i++) {
        const c = encoding.palette[i];
        palette.push(c ? [c[0], c[1], c[2]] : [0, 0, 0]);
      }
      const depth = Math.max(encoding.bitDepth, depthFor(size - 1));
      png = { width, height, data: packSingleChannel(ids, width, height, depth), depth: depth as 1 | 2 | 4 | 8, channels: 1, palette };
      break;
    }
    case 'rgb': {
      const ch = encoding.alpha ? 4 : 3;
      const n = width * height;
      const data = new Uint8Array(ch * n);
      for (let i = 0; i < n; i++) {
        const c = encoding.palette[ids[i]];
        if (!c) throw new RangeError(`no colour for id ${ids[i]} in the label palette; cannot encode as RGB`);
        data[ch * i] = c[0];
        data[ch * i + 1] = c[1];
        data[ch * i + 2] = c[2];
        if (ch === 4) data[ch * i + 3] = 255;
      }
      png = { width, height, data, depth: 8, channels: ch };
      break;
    }
  }
  return encodePng(png);
}

/** Pixel count per id, for the ids for which `keep(id)` is true, sorted by id. */
export function countIds(ids: ArrayLike<number>, keep: (id: number) => boolean): IdCount[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (keep(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([id, count]) => ({ id, count }));
}

/** `7 (120 px), 9 (3 px)`, at most `limit` entries then `and N more`. */
export function formatIdCounts(list: readonly IdCount[], limit = 10): string {
  const shown = list.slice(0, limit).map((e) => `${e.id} (${e.count} px)`).join(', ');
  return list.length > limit ? `${shown} and ${list.length - limit} more` : shown;
}

/**
 * Throws `road.png: label ids outside 0..5: 7 (120 px), 9 (3 px)` when ids fall outside
 * 0..labelNc-1 (ids equal to `dontcareId` are allowed). Out-of-range ids are what crash
 * NVlabs' one-hot scatter (NVlabs/SPADE issues #137, #68).
 */
export function validateLabelIds(
  map: { ids: ArrayLike<number> },
  opts: { labelNc: number; dontcareId?: number | null },
  fileName: string,
): void {
  const { labelNc } = opts;
  const dontcare = opts.dontcareId ?? null;
  const ids = map.ids;
  let bad = false;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if ((v < 0 || v >= labelNc) && v !== dontcare) {
      bad = true;
      break;
    }
  }
  if (!bad) return;
  const list = countIds(ids, (v) => (v < 0 || v >= labelNc) && v !== dontcare);
  const range = labelNc > 0 ? `0..${labelNc - 1}` : 'the empty range';
  const dc = dontcare !== null ? ` (or dontcare ${dontcare})` : '';
  throw new SpadeInputError(`label ids outside ${range}${dc}: ${formatIdCounts(list)}`, fileName);
}
