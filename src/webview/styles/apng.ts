/**
 * An animated PNG (APNG) from RGBA frames of one size: the first frame is also the default
 * image, so viewers without APNG support show it as a still. Frames are stored whole (no
 * offsets, no blending), RGB 8-bit, deflated with fflate. No DOM: used by the webview, tested in Node.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../../model/io/png_crc';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function u32s(...xs: number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 4);
  xs.forEach((x, i) => new DataView(b.buffer).setUint32(i * 4, x));
  return b;
}

/** RGBA -> zlib'd RGB scanlines, each with filter byte 0. */
function deflateFrame(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      raw.set([rgba[s], rgba[s + 1], rgba[s + 2]], row + 1 + x * 3);
    }
  }
  return zlibSync(raw, { level: 6 });
}

/** `delayMs` per frame; loops forever. */
export function encodeApng(frames: Uint8ClampedArray[], width: number, height: number, delayMs = 200): Uint8Array {
  if (frames.length === 0) throw new Error('an animation needs at least one frame');
  const parts: Uint8Array[] = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, adaptive filtering, no interlace
  parts.push(chunk('IHDR', ihdr), chunk('acTL', u32s(frames.length, 0)));
  let seq = 0;
  frames.forEach((f, i) => {
    if (f.length !== width * height * 4) throw new Error(`frame ${i} has ${f.length / 4} pixels, not ${width}x${height}`);
    const fctl = new Uint8Array(26);
    fctl.set(u32s(seq++, width, height, 0, 0), 0);
    new DataView(fctl.buffer).setUint16(20, Math.round(delayMs));
    new DataView(fctl.buffer).setUint16(22, 1000);
    // dispose_op 0 (none), blend_op 0 (source): every frame replaces the whole canvas.
    parts.push(chunk('fcTL', fctl));
    const data = deflateFrame(f, width, height);
    if (i === 0) parts.push(chunk('IDAT', data));
    else {
      const fdat = new Uint8Array(4 + data.length);
      fdat.set(u32s(seq++), 0);
      fdat.set(data, 4);
      parts.push(chunk('fdAT', fdat));
    }
  });
  parts.push(chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
