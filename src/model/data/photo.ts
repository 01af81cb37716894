/**
 * Training photos: PNG or JPEG bytes to 8-bit RGB, as NVlabs' `Image.open(...).convert('RGB')`
 * (gray is replicated, alpha dropped, palettes expanded). Decoding goes through the style-image
 * decoder; PNGs get the label codec's structural check first, since fast-png silently fills a
 * truncated file with zeros. Sizes can be read from the header alone, to refuse huge pictures
 * before anything is allocated. No fs, no DOM.
 */
import { DEFAULT_MAX_PIXELS, readPngHeader } from '../io/label_png';
import { decodeStyleImage } from '../io/style_image';
import { SpadeInputError } from '../errors';
import type { Size } from './augment';

export interface Photo {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  rgb: Uint8Array;
}

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Width and height from a JPEG's SOFn segment, walking the marker segments before it. */
function jpegSize(b: Uint8Array, name: string): Size {
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

/** A photo's size from its header, or a SpadeInputError naming the file. */
export function photoSize(bytes: Uint8Array, name: string): Size {
  if (bytes.length === 0) throw new SpadeInputError('file is empty (0 bytes)', name);
  if (isPng(bytes)) {
    const h = readPngHeader(bytes, name);
    return { width: h.width, height: h.height };
  }
  if (isJpeg(bytes)) return jpegSize(bytes, name);
  throw new SpadeInputError('not a PNG or JPEG file', name);
}

/** Decodes a photo to 8-bit RGB, refusing more than `maxPixels` before decoding. */
export function decodePhoto(bytes: Uint8Array, name: string, maxPixels = DEFAULT_MAX_PIXELS): Photo {
  const size = photoSize(bytes, name);
  if (size.width * size.height > maxPixels) {
    throw new SpadeInputError(`image is ${size.width}x${size.height} (${size.width * size.height} pixels), more than the limit of ${maxPixels} pixels`, name);
  }
  const img = decodeStyleImage(bytes, name, maxPixels); // PNGs get the structural check there
  if (img.width !== size.width || img.height !== size.height) {
    throw new SpadeInputError(`corrupt image: header says ${size.width}x${size.height}, data decodes to ${img.width}x${img.height}`, name);
  }
  const rgb = new Uint8Array(img.data.length);
  // Back from [-1, 1] to the exact 8-bit values (the float carries them losslessly).
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round((img.data[i] + 1) * 127.5);
  return { width: img.width, height: img.height, rgb };
}
