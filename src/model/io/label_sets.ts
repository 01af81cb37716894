/**
 * Label sets: class names and colours for the datasets NVlabs/SPADE ships checkpoints for, and
 * the mapping from ids as stored in label PNGs ("file ids") to generator input channels
 * ("model ids"), following NVlabs' data loaders:
 *
 * - `data/pix2pix_dataset.py` maps file value 255 to `label_nc` for every dataset ("'unknown' is
 *   opt.label_nc"); `models/pix2pix_model.py` one-hot encodes into `label_nc + 1` channels when
 *   `contain_dontcare_label`, else `label_nc`, so any other id >= that count crashes the scatter.
 * - COCO-Stuff: label_nc=182, contain_dontcare_label; file ids 0..181, 255 = unlabeled.
 * - ADE20K: label_nc=150, contain_dontcare_label; file value 0 = "other objects", k = class k-1.
 *   See `ADE20K` below for what NVlabs' loader actually does with that shift.
 * - Cityscapes: label_nc=35 (labelIds 0..33 plus 'license plate'), no dontcare label by default.
 * - Landscapes (ours): 11 classes, file ids = model ids, 255 = unknown (`LANDSCAPES`).
 *
 * Data sources: COCO-Stuff names from nightrome/cocostuff labels.txt (= NVlabs util/coco.py);
 * COCO-Stuff colours = NVlabs util/util.py labelcolormap(182) (what SPADE's visualiser uses);
 * ADE20K names as in MMSegmentation (short forms of CSAIL objectInfo150), colours from CSAIL's
 * color150.mat; Cityscapes names/colours from cityscapesScripts helpers/labels.py (= NVlabs
 * labelcolormap(35)).
 */
import type { RGB } from './png_scan';
import type { IdCount } from './id_counts';
import { countIds } from './id_counts';

export interface LabelSet {
  /** Short identifier: 'coco-stuff', 'ade20k', 'cityscapes', 'generic'. */
  name: string;
  /** Class names; index = model id (generator channel). */
  names: string[];
  /** Display colours; same length as `names`. */
  colors: RGB[];
  /** The id that means "don't care / unknown" *in label files*, or null if the set has none. */
  dontcareId: number | null;
  /**
   * File ids are shifted: a file stores class k as `k + idOffset` (ADE20K: 1, file value 0 being
   * the dontcare id). Absent/0 for sets whose file ids are model ids.
   */
  idOffset?: number;
  /** Name and colour for the dontcare value (defaults 'unknown', black). */
  dontcareName?: string;
  dontcareColor?: RGB;
}

export interface MapIdsOptions {
  /**
   * Apply the set's `idOffset` (default true). Pass false to feed file ids unshifted, which is
   * what NVlabs' ADE20K loader really does (see `ADE20K`).
   */
  applyIdOffset?: boolean;
}

export interface MappedIds {
  /** Generator channel per pixel; -1 where the file id does not fit. */
  ids: Int32Array;
  /** File ids that do not fit, with pixel counts, sorted by id. Empty when all fit. */
  invalid: IdCount[];
}

// ---------------------------------------------------------------------------------------------
// Data (generated from the sources named above)

const ADE20K_NAMES: readonly string[] = [
  'wall', 'building', 'sky', 'floor', 'tree', 'ceiling',
  'road', 'bed', 'windowpane', 'grass', 'cabinet', 'sidewalk',
  'person', 'earth', 'door', 'table', 'mountain', 'plant',
  'curtain', 'chair', 'car', 'water', 'painting', 'sofa',
  'shelf', 'house', 'sea', 'mirror', 'rug', 'field',
  'armchair', 'seat', 'fence', 'desk', 'rock', 'wardrobe',
  'lamp', 'bathtub', 'railing', 'cushion', 'base', 'box',
  'column', 'signboard', 'chest of drawers', 'counter', 'sand', 'sink',
  'skyscraper', 'fireplace', 'refrigerator', 'grandstand', 'path', 'stairs',
  'runway', 'case', 'pool table', 'pillow', 'screen door', 'stairway',
  'river', 'bridge', 'bookcase', 'blind', 'coffee table', 'toilet',
  'flower', 'book', 'hill', 'bench', 'countertop', 'stove',
  'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'bar',
  'arcade machine', 'hovel', 'bus', 'towel', 'light', 'truck',
  'tower', 'chandelier', 'awning', 'streetlight', 'booth', 'television receiver',
  'airplane', 'dirt track', 'apparel', 'pole', 'land', 'bannister',
  'escalator', 'ottoman', 'bottle', 'buffet', 'poster', 'stage',
  'van', 'ship', 'fountain', 'conveyer belt', 'canopy', 'washer',
  'plaything', 'swimming pool', 'stool', 'barrel', 'basket', 'waterfall',
  'tent', 'bag', 'minibike', 'cradle', 'oven', 'ball',
  'food', 'step', 'tank', 'trade name', 'microwave', 'pot',
  'animal', 'bicycle', 'lake', 'dishwasher', 'screen', 'blanket',
  'sculpture', 'hood', 'sconce', 'vase', 'traffic light', 'tray',
  'ashcan', 'fan', 'pier', 'crt screen', 'plate', 'monitor',
  'bulletin board', 'shower', 'radiator', 'glass', 'clock', 'flag',
];

const ADE20K_COLORS: readonly RGB[] = [
  [120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50], [4, 200, 3], [120, 120, 80],
  [140, 140, 140], [204, 5, 255], [230, 230, 230], [4, 250, 7], [224, 5, 255], [235, 255, 7],
  [150, 5, 61], [120, 120, 70], [8, 255, 51], [255, 6, 82], [143, 255, 140], [204, 255, 4],
  [255, 51, 7], [204, 70, 3], [0, 102, 200], [61, 230, 250], [255, 6, 51], [11, 102, 255],
  [255, 7, 71], [255, 9, 224], [9, 7, 230], [220, 220, 220], [255, 9, 92], [112, 9, 255],
  [8, 255, 214], [7, 255, 224], [255, 184, 6], [10, 255, 71], [255, 41, 10], [7, 255, 255],
  [224, 255, 8], [102, 8, 255], [255, 61, 6], [255, 194, 7], [255, 122, 8], [0, 255, 20],
  [255, 8, 41], [255, 5, 153], [6, 51, 255], [235, 12, 255], [160, 150, 20], [0, 163, 255],
  [140, 140, 140], [250, 10, 15], [20, 255, 0], [31, 255, 0], [255, 31, 0], [255, 224, 0],
  [153, 255, 0], [0, 0, 255], [255, 71, 0], [0, 235, 255], [0, 173, 255], [31, 0, 255],
  [11, 200, 200], [255, 82, 0], [0, 255, 245], [0, 61, 255], [0, 255, 112], [0, 255, 133],
  [255, 0, 0], [255, 163, 0], [255, 102, 0], [194, 255, 0], [0, 143, 255], [51, 255, 0],
  [0, 82, 255], [0, 255, 41], [0, 255, 173], [10, 0, 255], [173, 255, 0], [0, 255, 153],
  [255, 92, 0], [255, 0, 255], [255, 0, 245], [255, 0, 102], [255, 173, 0], [255, 0, 20],
  [255, 184, 184], [0, 31, 255], [0, 255, 61], [0, 71, 255], [255, 0, 204], [0, 255, 194],
  [0, 255, 82], [0, 10, 255], [0, 112, 255], [51, 0, 255], [0, 194, 255], [0, 122, 255],
  [0, 255, 163], [255, 153, 0], [0, 255, 10], [255, 112, 0], [143, 255, 0], [82, 0, 255],
  [163, 255, 0], [255, 235, 0], [8, 184, 170], [133, 0, 255], [0, 255, 92], [184, 0, 255],
  [255, 0, 31], [0, 184, 255], [0, 214, 255], [255, 0, 112], [92, 255, 0], [0, 224, 255],
  [112, 224, 255], [70, 184, 160], [163, 0, 255], [153, 0, 255], [71, 255, 0], [255, 0, 163],
  [255, 204, 0], [255, 0, 143], [0, 255, 235], [133, 255, 0], [255, 0, 235], [245, 0, 255],
  [255, 0, 122], [255, 245, 0], [10, 190, 212], [214, 255, 0], [0, 204, 255], [20, 0, 255],
  [255, 255, 0], [0, 153, 255], [0, 41, 255], [0, 255, 204], [41, 0, 255], [41, 255, 0],
  [173, 0, 255], [0, 245, 255], [71, 0, 255], [122, 0, 255], [0, 255, 184], [0, 92, 255],
  [184, 255, 0], [0, 133, 255], [255, 214, 0], [25, 194, 194], [102, 255, 0], [92, 0, 255],
];

const CITYSCAPES_NAMES: readonly string[] = [
  'unlabeled', 'ego vehicle', 'rectification border', 'out of roi', 'static', 'dynamic',
  'ground', 'road', 'sidewalk', 'parking', 'rail track', 'building',
  'wall', 'fence', 'guard rail', 'bridge', 'tunnel', 'pole',
  'polegroup', 'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
  'person', 'rider', 'car', 'truck', 'bus', 'caravan',
  'trailer', 'train', 'motorcycle', 'bicycle', 'license plate',
];

const CITYSCAPES_COLORS: readonly RGB[] = [
  [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [111, 74, 0],
  [81, 0, 81], [128, 64, 128], [244, 35, 232], [250, 170, 160], [230, 150, 140], [70, 70, 70],
  [102, 102, 156], [190, 153, 153], [180, 165, 180], [150, 100, 100], [150, 120, 90], [153, 153, 153],
  [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180],
  [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100], [0, 0, 90],
  [0, 0, 110], [0, 80, 100], [0, 0, 230], [119, 11, 32], [0, 0, 142],
];

const COCO_STUFF_NAMES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
  'train', 'truck', 'boat', 'traffic light', 'fire hydrant', 'street sign',
  'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
  'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
  'giraffe', 'hat', 'backpack', 'umbrella', 'shoe', 'eye glasses',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard',
  'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'plate', 'wine glass', 'cup', 'fork',
  'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich',
  'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
  'cake', 'chair', 'couch', 'potted plant', 'bed', 'mirror',
  'dining table', 'window', 'desk', 'toilet', 'door', 'tv',
  'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave',
  'oven', 'toaster', 'sink', 'refrigerator', 'blender', 'book',
  'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
  'hair brush', 'banner', 'blanket', 'branch', 'bridge', 'building-other',
  'bush', 'cabinet', 'cage', 'cardboard', 'carpet', 'ceiling-other',
  'ceiling-tile', 'cloth', 'clothes', 'clouds', 'counter', 'cupboard',
  'curtain', 'desk-stuff', 'dirt', 'door-stuff', 'fence', 'floor-marble',
  'floor-other', 'floor-stone', 'floor-tile', 'floor-wood', 'flower', 'fog',
  'food-other', 'fruit', 'furniture-other', 'grass', 'gravel', 'ground-other',
  'hill', 'house', 'leaves', 'light', 'mat', 'metal',
  'mirror-stuff', 'moss', 'mountain', 'mud', 'napkin', 'net',
  'paper', 'pavement', 'pillow', 'plant-other', 'plastic', 'platform',
  'playingfield', 'railing', 'railroad', 'river', 'road', 'rock',
  'roof', 'rug', 'salad', 'sand', 'sea', 'shelf',
  'sky-other', 'skyscraper', 'snow', 'solid-other', 'stairs', 'stone',
  'straw', 'structural-other', 'table', 'tent', 'textile-other', 'towel',
  'tree', 'vegetable', 'wall-brick', 'wall-concrete', 'wall-other', 'wall-panel',
  'wall-stone', 'wall-tile', 'wall-wood', 'water-other', 'waterdrops', 'window-blind',
  'window-other', 'wood',
];

/**
 * NVlabs `util.labelcolormap(N)` (N != 35): the PASCAL VOC bit-interleaving colormap applied to
 * `i + 1`, so class 0 is not black. Deterministic and well spread for small ids.
 */
export function labelColormap(n: number): RGB[] {
  const out: RGB[] = [];
  for (let i = 0; i < n; i++) {
    let id = i + 1;
    let r = 0;
    let g = 0;
    let b = 0;
    for (let j = 0; j < 7; j++) {
      r ^= (id & 1) << (7 - j);
      g ^= ((id >> 1) & 1) << (7 - j);
      b ^= ((id >> 2) & 1) << (7 - j);
      id >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

/** NVlabs overrides a few COCO-Stuff colours so that scenes look natural (util/util.py). */
const COCO_IMPORTANT_COLORS: Record<string, RGB> = {
  sea: [54, 62, 167],
  'sky-other': [95, 219, 255],
  tree: [140, 104, 47],
  clouds: [170, 170, 170],
  grass: [29, 195, 49],
};

function freezeSet(set: LabelSet): LabelSet {
  for (const c of set.colors) Object.freeze(c);
  Object.freeze(set.colors);
  Object.freeze(set.names);
  if (set.dontcareColor) Object.freeze(set.dontcareColor);
  return Object.freeze(set);
}

/** COCO-Stuff 182 classes (ids 0..181, incl. the 11 unused thing slots); file value 255 = unlabeled. */
export const COCO_STUFF: LabelSet = freezeSet({
  name: 'coco-stuff',
  names: [...COCO_STUFF_NAMES],
  colors: labelColormap(COCO_STUFF_NAMES.length).map((c, i) => {
    const important = COCO_IMPORTANT_COLORS[COCO_STUFF_NAMES[i]];
    return important ? [...important] : c;
  }),
  dontcareId: 255,
  dontcareName: 'unlabeled',
  dontcareColor: [0, 0, 0],
});

/**
 * ADE20K / SceneParsing 150 classes. Label PNGs (ADEChallengeData2016 annotations) store
 * 0 = "other objects" and k = class k-1, hence `dontcareId: 0, idOffset: 1`.
 *
 * Caution: NVlabs' `ADE20KDataset.postprocess` computes `label - 1` into a local variable and
 * never stores it back into `input_dict`, so NVlabs' own loader (train and test) feeds file ids
 * unshifted: file value v goes to channel v (0..150, 151 channels). Use
 * `{ applyIdOffset: false }` to reproduce that.
 */
export const ADE20K: LabelSet = freezeSet({
  name: 'ade20k',
  names: [...ADE20K_NAMES],
  colors: ADE20K_COLORS.map((c): RGB => [c[0], c[1], c[2]]),
  dontcareId: 0,
  idOffset: 1,
  dontcareName: 'other',
  dontcareColor: [0, 0, 0],
});

/**
 * Cityscapes labelIds 0..33 plus 'license plate' at 34 (its official id is -1; it never occurs
 * in `*_labelIds.png`, but NVlabs uses label_nc=35 and colours it like this). No dontcare id.
 */
export const CITYSCAPES: LabelSet = freezeSet({
  name: 'cityscapes',
  names: [...CITYSCAPES_NAMES],
  colors: CITYSCAPES_COLORS.map((c): RGB => [c[0], c[1], c[2]]),
  dontcareId: null,
});

/**
 * SPADE Studio's own procedural landscapes (`spade dataset landscapes`), the label set of the
 * default model. Display colours are chosen to read naturally when painting and to stay apart
 * (no two closer than about 60 in RGB). File ids are model ids; 255 = unknown.
 */
export const LANDSCAPES: LabelSet = freezeSet({
  name: 'landscapes',
  names: ['sky', 'cloud', 'mountain', 'snow', 'rock', 'water', 'grass', 'flower', 'tree', 'dirt', 'sand'],
  colors: [
    [120, 185, 245], [200, 205, 220], [150, 110, 80], [255, 255, 255], [100, 100, 110], [40, 90, 210],
    [110, 200, 70], [240, 100, 180], [30, 110, 50], [110, 65, 25], [240, 220, 150],
  ],
  dontcareId: 255,
  dontcareName: 'unknown',
  dontcareColor: [0, 0, 0],
});

/** Every label set that ships with the code, by name (NVlabs' datasets and ours). */
export const LABEL_SETS_BY_NAME: Readonly<Record<string, LabelSet>> = Object.freeze({
  'coco-stuff': COCO_STUFF,
  ade20k: ADE20K,
  cityscapes: CITYSCAPES,
  landscapes: LANDSCAPES,
});

/** A shipped label set by name, or undefined. */
export function labelSetByName(name: string): LabelSet | undefined {
  return Object.hasOwn(LABEL_SETS_BY_NAME, name) ? LABEL_SETS_BY_NAME[name] : undefined;
}

export type BuiltinLabelSetName = 'coco-stuff' | 'ade20k' | 'cityscapes';

export const BUILTIN_LABEL_SETS: Readonly<Record<BuiltinLabelSetName, LabelSet>> = Object.freeze({
  'coco-stuff': COCO_STUFF,
  ade20k: ADE20K,
  cityscapes: CITYSCAPES,
});

/** NVlabs' dataset defaults for each built-in set (`--dataset_mode`). */
export const NVLABS_DATASET_DEFAULTS: Readonly<Record<BuiltinLabelSetName, { labelNc: number; containDontcare: boolean }>> =
  Object.freeze({
    'coco-stuff': { labelNc: 182, containDontcare: true },
    ade20k: { labelNc: 150, containDontcare: true },
    cityscapes: { labelNc: 35, containDontcare: false },
  });

/**
 * A label set for checkpoints without one: names `class_0`..., NVlabs' colormap, and
 * dontcare file id 255 when `containDontcare` (as NVlabs' loader maps 255 to label_nc) unless
 * 255 is a real class.
 */
export function genericLabelSet(labelNc: number, containDontcare: boolean): LabelSet {
  if (!Number.isInteger(labelNc) || labelNc <= 0) throw new RangeError(`invalid label_nc ${labelNc}`);
  return freezeSet({
    name: 'generic',
    names: Array.from({ length: labelNc }, (_, i) => `class_${i}`),
    colors: labelColormap(labelNc),
    dontcareId: containDontcare && labelNc <= 255 ? 255 : null,
    dontcareName: 'dontcare',
    dontcareColor: [0, 0, 0],
  });
}

/** The built-in set matching a checkpoint's label_nc / contain_dontcare_label, else a generic one. */
export function labelSetFor(labelNc: number, containDontcare: boolean): LabelSet {
  for (const [name, d] of Object.entries(NVLABS_DATASET_DEFAULTS)) {
    if (d.labelNc === labelNc && d.containDontcare === containDontcare) return BUILTIN_LABEL_SETS[name as BuiltinLabelSetName];
  }
  return genericLabelSet(labelNc, containDontcare);
}

/** Number of one-hot channels the generator's label input has (before the instance edge map). */
export function semanticChannels(labelNc: number, containDontcare: boolean): number {
  return containDontcare ? labelNc + 1 : labelNc;
}

/**
 * The channel that dontcare/unknown pixels go to: NVlabs maps file value 255 to `label_nc`
 * ("'unknown' is opt.label_nc"), which is a valid channel only with contain_dontcare_label.
 */
export function dontcareChannel(labelNc: number, containDontcare: boolean): number | null {
  return containDontcare ? labelNc : null;
}

/**
 * Turns file ids into generator channel ids.
 *
 * Sets with `idOffset` (ADE20K): the dontcare id goes to `label_nc` (when containDontcare),
 * `k + idOffset` to k for k < labelNc, anything else is invalid.
 * Other sets, as NVlabs' loader does: ids 0..labelNc-1 are kept; with containDontcare, 255, the
 * set's dontcare id and `labelNc` itself go to channel `labelNc`; anything else is invalid.
 * Invalid pixels get -1 and are listed in `invalid` (file ids with pixel counts).
 */
export function mapIdsToModel(
  ids: ArrayLike<number>,
  set: LabelSet,
  labelNc: number,
  containDontcare: boolean,
  opts: MapIdsOptions = {},
): MappedIds {
  const offset = opts.applyIdOffset === false ? 0 : (set.idOffset ?? 0);
  const dcChannel = dontcareChannel(labelNc, containDontcare) ?? -1;
  const toModel = (v: number): number => {
    if (!Number.isInteger(v)) return -1;
    if (offset !== 0) {
      if (v === set.dontcareId) return dcChannel;
      const m = v - offset;
      return m >= 0 && m < labelNc ? m : -1;
    }
    if (v >= 0 && v < labelNc) return v;
    if (v === labelNc || v === 255 || v === set.dontcareId) return dcChannel;
    return -1;
  };
  const n = ids.length;
  const out = new Int32Array(n);
  const TABLE = 1 << 16;
  const table = new Int32Array(TABLE).fill(-2); // -2: not computed yet
  let anyInvalid = false;
  for (let i = 0; i < n; i++) {
    const v = ids[i];
    let m: number;
    if (v >= 0 && v < TABLE && (v | 0) === v) {
      m = table[v];
      if (m === -2) m = table[v] = toModel(v);
    } else {
      m = toModel(v);
    }
    if (m < 0) anyInvalid = true;
    out[i] = m;
  }
  const invalid = anyInvalid ? countIds(ids, (v) => toModel(v) < 0) : [];
  return { ids: out, invalid };
}

/**
 * File ids → model ids for the set's own label_nc (`names.length`), with a dontcare channel iff
 * the set has a dontcare id. ADE20K: 0 → 150, k → k-1. Invalid ids become -1.
 */
export function fileIdsToModelIds(ids: ArrayLike<number>, set: LabelSet, opts: MapIdsOptions = {}): Int32Array {
  return mapIdsToModel(ids, set, set.names.length, set.dontcareId !== null, opts).ids;
}

/**
 * Inverse of `fileIdsToModelIds`: model id k → k + idOffset, the dontcare channel
 * (`names.length`) → the set's dontcare id. Throws RangeError for ids that have no file value
 * (negative, too large, or the dontcare channel of a set without a dontcare id).
 */
export function modelIdsToFileIds(ids: ArrayLike<number>, set: LabelSet, opts: MapIdsOptions = {}): Int32Array {
  const labelNc = set.names.length;
  const offset = opts.applyIdOffset === false ? 0 : (set.idOffset ?? 0);
  // Unshifted mode on an offset set: NVlabs' ADE20K loader feeds file value v to channel v.
  const dcFile = opts.applyIdOffset === false && (set.idOffset ?? 0) !== 0 ? labelNc : set.dontcareId;
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const m = ids[i];
    if (m >= 0 && m < labelNc) out[i] = m + offset;
    else if (m === labelNc && dcFile !== null) out[i] = dcFile;
    else throw new RangeError(`model id ${m} has no file id in label set '${set.name}'`);
  }
  return out;
}

/**
 * Colours indexed by *file* id (holes where no id), for `decodeLabelMap({palette})` on RGB
 * colour-coded maps and for palette/RGB encodings: ADE20K gets index 0 = 'other', COCO-Stuff
 * index 255 = unlabeled (black).
 */
export function filePalette(set: LabelSet): (RGB | undefined)[] {
  const offset = set.idOffset ?? 0;
  const out: (RGB | undefined)[] = [];
  set.colors.forEach((c, k) => {
    out[k + offset] = [c[0], c[1], c[2]];
  });
  const dc = set.dontcareId;
  if (dc !== null && dc >= 0 && out[dc] === undefined) {
    const c = set.dontcareColor ?? [0, 0, 0];
    out[dc] = [c[0], c[1], c[2]];
  }
  for (let i = 0; i < out.length; i++) if (!(i in out)) out[i] = undefined; // dense holes
  return out;
}

/** Display name of a file id in a set ('unknown' ids get `#<id>`). */
export function fileIdName(set: LabelSet, fileId: number): string {
  if (fileId === set.dontcareId) return set.dontcareName ?? 'unknown';
  const k = fileId - (set.idOffset ?? 0);
  return k >= 0 && k < set.names.length ? set.names[k] : `#${fileId}`;
}
