/** Builds small training datasets on disk (real PNG/JPEG files) for the dataset tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';

export type IdFn = (x: number, y: number) => number;
export type RgbFn = (x: number, y: number) => [number, number, number];

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-data-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** 8- or 16-bit grayscale PNG of ids. */
export function grayPng(w: number, h: number, id: IdFn, depth: 8 | 16 = 8): Uint8Array {
  const data = depth === 16 ? new Uint16Array(w * h) : new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = id(x, y);
  return encodePng({ width: w, height: h, data, depth, channels: 1 });
}

/** 8-bit RGB PNG (or RGBA with `alpha`). */
export function rgbPng(w: number, h: number, color: RgbFn, alpha = false): Uint8Array {
  const ch = alpha ? 4 : 3;
  const data = new Uint8Array(w * h * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = color(x, y);
      data.set(alpha ? [...c, 255] : c, (y * w + x) * ch);
    }
  }
  return encodePng({ width: w, height: h, data, depth: 8, channels: ch });
}

export function jpegBytes(w: number, h: number, color: RgbFn): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...color(x, y), 255], (y * w + x) * 4);
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 95).data);
}

export function put(root: string, rel: string, bytes: Uint8Array | string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

export interface PairSpec {
  w?: number;
  h?: number;
  /** Label id at (x, y); default (x + y) % 4. */
  id?: IdFn;
  /** Photo colour; default a gradient. */
  rgb?: RgbFn;
  /** Instance id at (x, y); written to instances/ when given. */
  inst?: IdFn;
}

/** images/<stem>.png + labels/<stem>.png (+ instances/<stem>.png) for each stem. */
export function writePairs(root: string, pairs: Record<string, PairSpec>): void {
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  fs.mkdirSync(path.join(root, 'labels'), { recursive: true });
  for (const [stem, p] of Object.entries(pairs)) {
    const w = p.w ?? 16;
    const h = p.h ?? 16;
    put(root, `labels/${stem}.png`, grayPng(w, h, p.id ?? ((x, y) => (x + y) % 4)));
    put(root, `images/${stem}.png`, rgbPng(w, h, p.rgb ?? ((x, y) => [x * 8, y * 8, 128])));
    if (p.inst) put(root, `instances/${stem}.png`, grayPng(w, h, p.inst));
  }
}
