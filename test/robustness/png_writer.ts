/**
 * A PNG writer for the fuzzers that can write what fast-png's encoder cannot: every colour type
 * and bit depth (1-16), Adam7 interlacing, palettes with or without PLTE, and arbitrary chunks.
 * Rows use filter type 0; the point is the container and the sample layout, not compression.
 */
import { zlibSync } from 'fflate';

export const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** Allowed depths per colour type (PNG spec, table 11.1). */
export const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i) & 255;
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, width >>> 0);
  dv.setUint32(4, height >>> 0);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}

export interface PngSpec {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  interlace: boolean;
  /** width*height*channels samples, each < 2^depth. */
  samples: Uint16Array;
  /** PLTE entries; written when given (palette images need it, others may carry it). */
  palette?: Array<[number, number, number]>;
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** Filtered (type 0) scanlines for one (sub)image, packing sub-byte samples MSB first. */
function scanlines(spec: PngSpec, xs: number[], ys: number[]): Uint8Array {
  const ch = CHANNELS[spec.colorType];
  const bits = ch * spec.depth;
  const rowBytes = Math.ceil((xs.length * bits) / 8);
  const out = new Uint8Array(ys.length * (1 + rowBytes));
  ys.forEach((y, r) => {
    const row = r * (1 + rowBytes) + 1;
    xs.forEach((x, c) => {
      for (let k = 0; k < ch; k++) {
        const v = spec.samples[(y * spec.width + x) * ch + k];
        if (spec.depth === 16) {
          out[row + (c * ch + k) * 2] = v >> 8;
          out[row + (c * ch + k) * 2 + 1] = v & 255;
        } else if (spec.depth === 8) {
          out[row + c * ch + k] = v;
        } else {
          const bit = (c * ch + k) * spec.depth;
          out[row + (bit >> 3)] |= v << (8 - spec.depth - (bit & 7));
        }
      }
    });
  });
  return out;
}

/** The raw (uncompressed) image data, interlaced or not. */
export function rawImageData(spec: PngSpec): Uint8Array {
  const range = (from: number, to: number, step: number) => {
    const r: number[] = [];
    for (let i = from; i < to; i += step) r.push(i);
    return r;
  };
  if (!spec.interlace) return scanlines(spec, range(0, spec.width, 1), range(0, spec.height, 1));
  const parts = ADAM7.map(([x0, y0, dx, dy]) => {
    const xs = range(x0, spec.width, dx);
    const ys = range(y0, spec.height, dy);
    return xs.length && ys.length ? scanlines(spec, xs, ys) : new Uint8Array(0);
  });
  return concat(...parts);
}

/** A complete PNG; `idatSplits` cuts the compressed stream into that many IDAT chunks. */
export function writePng(spec: PngSpec, idatSplits = 1): Uint8Array {
  const z = zlibSync(rawImageData(spec));
  const idats: Uint8Array[] = [];
  const step = Math.ceil(z.length / idatSplits);
  for (let at = 0; at < z.length; at += step) idats.push(chunk('IDAT', z.subarray(at, at + step)));
  const plte = spec.palette ? [chunk('PLTE', Uint8Array.from(spec.palette.flat()))] : [];
  return concat(SIGNATURE, ihdr(spec.width, spec.height, spec.depth, spec.colorType, spec.interlace ? 1 : 0), ...plte, ...idats, chunk('IEND', new Uint8Array(0)));
}

/** Offsets of every chunk: [start, length, type]. Stops at the end or at a broken length. */
export function chunks(png: Uint8Array): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.length; ) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    out.push([at, len, type]);
    at += 12 + len;
  }
  return out;
}

/** Recomputes the CRC of the chunk at `at` (so a mutation reaches past the CRC check). */
export function fixCrc(png: Uint8Array, at: number): void {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const len = dv.getUint32(at);
  if (at + 12 + len > png.length) return;
  dv.setUint32(at + 8 + len, crc32(png.subarray(at + 4, at + 8 + len)));
}
