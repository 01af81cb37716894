/**
 * The structural pass every PNG we read goes through (label maps, instance maps, photos and
 * style images), before fast-png decodes it: bytes in, no `fs`, no DOM. The IHDR
 * is parsed and its size checked against `maxPixels` before anything is inflated; every chunk's
 * length and CRC is checked (fast-png skips CRCs unless asked); and the image data is inflated
 * once in small steps, only counting bytes, so a zlib bomb behind a small header is refused
 * before fast-png inflates it for real, and short image data (which fast-png silently fills
 * with zeros) is an error. The cost is a second inflate: a few ms per megapixel.
 */
import { decode as decodePng } from 'fast-png';
import { Unzlib } from 'fflate';
import { SpadeInputError } from '../errors';
import { crc32 } from './png_crc';

export type RGB = [number, number, number];

export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** PNG colour types. */
export const CT_GRAY = 0;
export const CT_RGB = 2;
export const CT_PALETTE = 3;
export const CT_GRAY_ALPHA = 4;
export const CT_RGBA = 6;

export const COLOR_TYPE_NAMES: Record<number, string> = {
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

export const CHANNELS: Record<number, number> = {
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

export function fail(fileName: string, message: string): never {
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

export interface RawPng {
  header: PngHeader;
  /** fast-png's data: 8-bit (sub-byte depths still packed per row) or 16-bit samples. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  palette: RGB[] | undefined;
}

export function readPng(bytes: Uint8Array, fileName: string, maxPixels: number): RawPng {
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
