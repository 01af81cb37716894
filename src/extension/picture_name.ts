/**
 * The exported picture's file name: the label map's stem, the style it was rendered in (the
 * seed, or the style image), and the size when it is not the model's own, so exports of one
 * map in several styles sit side by side instead of replacing each other.
 */
import type { PictureSize, PictureStyle } from '../shared/protocol';

/** `landscape.label.png` → `landscape`; other PNGs lose only `.png`. */
export function mapStem(fileName: string): string {
  return fileName.replace(/(\.label)?\.png$/i, '') || 'image';
}

/** A style image's name as a file-name part: its stem, with only letters, digits, `_`, `-` and `.`. */
function safePart(name: string): string {
  const stem = name.replace(/\.(png|jpe?g)$/i, '');
  return stem.replace(/[^\w.-]+/g, '_').replace(/^[.]+|[.]+$/g, '').slice(0, 60) || 'style';
}

/** `<map>.seed<N>.png`, `<map>.style-<image>.png`; an upsampled one adds `.<W>x<H>`. */
export function pictureFileName(mapFileName: string, style: PictureStyle, upsampledTo?: PictureSize): string {
  const stylePart = style.kind === 'seed' ? `seed${style.seed}` : `style-${safePart(style.name)}`;
  const sizePart = upsampledTo ? `.${upsampledTo.width}x${upsampledTo.height}` : '';
  return `${mapStem(mapFileName)}.${stylePart}${sizePart}.png`;
}
