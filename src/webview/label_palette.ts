/**
 * The label set as the webview uses it: the model's LabelSet (for id mapping), the list of
 * paintable classes by FILE id, and a colour lookup table from file id to packed RGBA.
 */
import type { LabelSetInfo } from '../shared/protocol';
import { fileIdName, type LabelSet } from '../model/io/label_sets';

export interface ClassEntry {
  /** File id (what strokes carry). */
  fileId: number;
  name: string;
  rgb: [number, number, number];
  css: string;
}

/** Colour of file ids that fit no class: magenta, so they stand out. */
export const UNKNOWN_RGB: [number, number, number] = [255, 0, 255];
export const LUT_SIZE = 65536;

export class LabelPalette {
  readonly labelSet: LabelSet;
  /** Paintable classes, in model-id order. */
  readonly classes: ClassEntry[];
  /** The dontcare entry (the eraser's colour), or null. */
  readonly dontcare: ClassEntry | null;
  /** file id -> RGBA packed for a little-endian Uint32 view of ImageData. */
  readonly lut: Uint32Array;
  private readonly byId = new Map<number, ClassEntry>();

  constructor(info: LabelSetInfo) {
    this.labelSet = toLabelSet(info);
    const off = info.idOffset;
    this.classes = info.names.map((name, k) => entry(k + off, name, info.colors[k] ?? UNKNOWN_RGB));
    this.dontcare =
      info.dontcareId === null ? null : entry(info.dontcareId, fileIdName(this.labelSet, info.dontcareId), [0, 0, 0]);
    for (const c of this.classes) this.byId.set(c.fileId, c);
    if (this.dontcare && !this.byId.has(this.dontcare.fileId)) this.byId.set(this.dontcare.fileId, this.dontcare);
    this.lut = new Uint32Array(LUT_SIZE).fill(pack(UNKNOWN_RGB));
    for (const c of this.byId.values()) if (c.fileId >= 0 && c.fileId < LUT_SIZE) this.lut[c.fileId] = pack(c.rgb);
  }

  /** The class (or dontcare) with this file id, or undefined for ids that fit none. */
  get(fileId: number): ClassEntry | undefined {
    return this.byId.get(fileId);
  }

  name(fileId: number): string {
    return fileIdName(this.labelSet, fileId);
  }
}

function entry(fileId: number, name: string, rgb: readonly number[]): ClassEntry {
  const c: [number, number, number] = [rgb[0] | 0, rgb[1] | 0, rgb[2] | 0];
  return { fileId, name, rgb: c, css: `rgb(${c[0]}, ${c[1]}, ${c[2]})` };
}

function pack(c: readonly number[]): number {
  return ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}

/** The protocol's LabelSetInfo as the model's LabelSet (for mapIdsToModel). */
export function toLabelSet(info: LabelSetInfo): LabelSet {
  return {
    name: info.name,
    names: info.names,
    colors: info.colors,
    dontcareId: info.dontcareId,
    idOffset: info.idOffset,
  };
}
