/**
 * Reading one training pair's files: the label map (file ids, through the label PNG codec),
 * the optional instance map, and the photo (8-bit RGB). Shared by the scan, which reports
 * each file's problem separately, and by the loader, which decodes pairs the cache left out.
 */
import { decodeInstanceMap, decodeLabelMap } from '../../model/io/label_png';
import { type RGB } from '../../model/io/png_scan';
import { decodePhoto } from '../../model/data/photo';
import { SpadeInputError } from '../../model/errors';
import { readInput } from '../files';
import type { PairFiles } from './dataset_files';

export interface IdMap {
  width: number;
  height: number;
  /** Row-major ids as stored in the file (PNG ids are at most 16 bits). */
  ids: Uint16Array;
}

/** A pair in memory: what the loader augments. */
export interface DecodedPair {
  width: number;
  height: number;
  /** File ids, not yet mapped to model ids. */
  label: Uint16Array;
  instance?: Uint16Array;
  /** width * height * 3 bytes, RGB. */
  rgb: Uint8Array;
}

export interface PairReadOptions {
  /** Colours by file id, for RGB colour-coded label maps. */
  palette: readonly (RGB | undefined)[];
  maxPixels: number;
}

/** A file's bytes; a 0-byte file is an error that says so. */
export function readBytes(file: string, what: string): Uint8Array {
  const bytes = readInput(file, what);
  if (bytes.length === 0) throw new SpadeInputError('file is empty (0 bytes)', file);
  return bytes;
}

export function decodeLabelIds(bytes: Uint8Array, file: string, opts: PairReadOptions): IdMap {
  const map = decodeLabelMap(bytes, file, { palette: opts.palette, maxPixels: opts.maxPixels });
  return { width: map.width, height: map.height, ids: Uint16Array.from(map.ids) };
}

export function decodeInstanceIds(bytes: Uint8Array, file: string, opts: PairReadOptions): IdMap {
  const map = decodeInstanceMap(bytes, file, { maxPixels: opts.maxPixels });
  return { width: map.width, height: map.height, ids: Uint16Array.from(map.ids) };
}

/** `photo is 300x200 but labels/a.png is 256x256`, or null when the sizes agree. */
export function sizeMismatch(
  what: string,
  a: { width: number; height: number },
  other: string,
  b: { width: number; height: number },
): string | null {
  if (a.width === b.width && a.height === b.height) return null;
  return `${what} is ${a.width}x${a.height} but ${other} is ${b.width}x${b.height}`;
}

/** Reads and decodes a whole pair, throwing a SpadeInputError at the first problem. */
export function loadPair(files: PairFiles, opts: PairReadOptions, withInstance: boolean): DecodedPair {
  const label = decodeLabelIds(readBytes(files.label, 'label map'), files.label, opts);
  const photo = decodePhoto(readBytes(files.image, 'photo'), files.image, opts.maxPixels);
  const bad = sizeMismatch('photo', photo, files.label, label);
  if (bad) throw new SpadeInputError(bad, files.image);
  const pair: DecodedPair = { width: label.width, height: label.height, label: label.ids, rgb: photo.rgb };
  if (withInstance) {
    if (!files.instance) throw new SpadeInputError('no instance map for this pair', files.label);
    const inst = decodeInstanceIds(readBytes(files.instance, 'instance map'), files.instance, opts);
    const badInst = sizeMismatch('instance map', inst, files.label, label);
    if (badInst) throw new SpadeInputError(badInst, files.instance);
    pair.instance = inst.ids;
  }
  return pair;
}
