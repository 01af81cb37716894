/**
 * Label-map and instance-map PNGs, for Node and browser workers alike: ids out of grayscale,
 * palette and colour-coded files, and back in the file's own encoding. Every file first goes
 * through the structural pass in png_scan.ts.
 */
import { encode as encodePng } from 'fast-png';
import type { ImageData as PngImageData } from 'fast-png';
import { CHANNELS, COLOR_TYPE_NAMES, CT_GRAY, CT_GRAY_ALPHA, CT_PALETTE, CT_RGB, CT_RGBA, DEFAULT_MAX_PIXELS, fail, readPng, type RawPng, type RGB } from './png_scan';

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
      png = {
        width,
        height,
        data: packSingleChannel(ids, width, height, depth),
        depth: depth as 1 | 2 | 4 | 8,
        channels: 1,
        palette,
      };
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
