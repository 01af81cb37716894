/**
 * Style images for the encoder: PNG or JPEG bytes (recognised by their signature, not by
 * name) to RGB floats in [-1, 1], shared by the CLI's `--style` and the webview worker. No DOM, no fs.
 */
import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { checkPng, DEFAULT_MAX_PIXELS } from './png_scan';
import { SpadeInputError } from '../errors';
import { jpegSize } from './jpeg_header';

export interface RgbImage {
  width: number;
  height: number;
  /** width*height*3 floats in [-1, 1], row-major RGB. */
  data: Float32Array;
}

const isPng = (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** `maxPixels` is checked on the header, before anything is decoded. */
export function decodeStyleImage(bytes: Uint8Array, name: string, maxPixels = DEFAULT_MAX_PIXELS): RgbImage {
  if (isJpeg(bytes)) {
    // The frame header first: jpeg-js's own limit says only "exceeded by 1MP".
    const { width, height } = jpegSize(bytes, name);
    if (width * height > maxPixels) throw new SpadeInputError(`image is ${width}x${height} (${width * height} pixels), more than the limit of ${maxPixels} pixels`, name);
    let d: { width: number; height: number; data: Uint8Array };
    try {
      d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6 });
    } catch (e) {
      throw new SpadeInputError(`not a readable JPEG (${(e as Error).message})`, name);
    }
    return toFloat(d.width, d.height, d.data, 4, 255, name);
  }
  if (isPng(bytes)) {
    // The label codec's structural pass: pixel limit first, then CRCs, PLTE, and image data that
    // inflates to exactly the promised size (fast-png alone zero-fills short data and inflates bombs).
    const hdr = checkPng(bytes, name, maxPixels);
    if (hdr.interlaced && hdr.bitDepth < 8) {
      throw new SpadeInputError(`interlaced ${hdr.bitDepth}-bit PNGs are not supported; re-save it without interlacing`, name);
    }
    let d: ReturnType<typeof decodePng>;
    try {
      d = decodePng(bytes);
    } catch (e) {
      throw new SpadeInputError(`not a readable PNG (${(e as Error).message})`, name);
    }
    // Only colour type 3 is indexed: a PLTE in a truecolour file is a mere suggestion (and one in a
    // grayscale file is invalid), so fast-png's `palette` is ignored there.
    if (d.palette && hdr.colorType === 3) {
      // Indexed colour: expand through the palette (entries are RGB or RGBA).
      let rgb: Uint8Array;
      try {
        rgb = convertIndexedToRgb(d);
      } catch (e) {
        throw new SpadeInputError(`corrupt PNG: a pixel's palette index is beyond its ${d.palette.length}-entry PLTE (${(e as Error).message})`, name);
      }
      return toFloat(d.width, d.height, rgb, d.palette[0]?.length ?? 3, 255, name);
    }
    if (d.depth !== 8 && d.depth !== 16) throw new SpadeInputError(`${d.depth}-bit PNGs are not supported as style images`, name);
    return toFloat(d.width, d.height, d.data as Uint8Array | Uint16Array, d.channels, d.depth === 16 ? 65535 : 255, name);
  }
  throw new SpadeInputError('style image must be a PNG or JPEG file', name);
}

function toFloat(width: number, height: number, px: ArrayLike<number>, channels: number, max: number, name: string): RgbImage {
  if (width <= 0 || height <= 0) throw new SpadeInputError('image is empty', name);
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const v = channels >= 3 ? px[i * channels + c] : px[i * channels]; // gray -> RGB
      data[i * 3 + c] = (v / max) * 2 - 1;
    }
  }
  return { width, height, data };
}
