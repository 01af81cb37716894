/**
 * Training photos: PNG or JPEG bytes to 8-bit RGB, as NVlabs' `Image.open(...).convert('RGB')`
 * (gray is replicated, alpha dropped, palettes expanded). Decoding goes through the style-image
 * decoder; PNGs get the label codec's structural check first, since fast-png silently fills a
 * truncated file with zeros. Sizes can be read from the header alone, to refuse huge pictures
 * before anything is allocated. No fs, no DOM.
 */
import { DEFAULT_MAX_PIXELS, readPngHeader } from '../io/png_scan';
import { decodeStyleImage } from '../io/style_image';
import { jpegSize } from '../io/jpeg_header';
import { SpadeInputError } from '../errors';
import type { Size } from './augment';
import { rgbBytes } from '../image_bytes';

export interface Photo {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  rgb: Uint8Array;
}

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

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
  // Back from [-1, 1] to the exact 8-bit values (the float carries them losslessly).
  return { width: img.width, height: img.height, rgb: rgbBytes(img.data) };
}
