/**
 * A JPEG's width and height from its frame header, read before anything is decoded (so a huge
 * picture is refused without allocating it). Shared by training photos and style images. No fs, no DOM.
 */
import { SpadeInputError } from '../errors';

/** Width and height from a JPEG's SOFn segment, walking the marker segments before it. */
export function jpegSize(b: Uint8Array, name: string): { width: number; height: number } {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new SpadeInputError(`corrupt JPEG: expected a marker at byte ${at}`, name);
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const len = (b[at + 2] << 8) | b[at + 3];
    if (len < 2) throw new SpadeInputError(`corrupt JPEG: segment at byte ${at} has length ${len}`, name);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 9 > b.length) break;
      const height = (b[at + 5] << 8) | b[at + 6];
      const width = (b[at + 7] << 8) | b[at + 8];
      if (width === 0 || height === 0) throw new SpadeInputError(`JPEG has invalid size ${width}x${height}`, name);
      return { width, height };
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or end before any frame header
    at += 2 + len;
  }
  throw new SpadeInputError('truncated or corrupt JPEG: no frame header (SOF) found', name);
}
