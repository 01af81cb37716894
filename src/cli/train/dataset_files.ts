/**
 * The file side of a training dataset (NVlabs `custom` mode): `images/`, `labels/` and an
 * optional `instances/` folder, paired by file stem. Finds the pairs and every problem with the
 * folders and names: missing folders, unpaired or duplicate stems, unsupported formats, and
 * symbolic links that lead out of the dataset folder (refused: a dataset must not make us read
 * files elsewhere). Contents are checked in dataset.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ProblemKind =
  | 'missing_folder'
  | 'empty_dataset'
  | 'unpaired'
  | 'duplicate'
  | 'unsupported'
  | 'symlink_outside'
  | 'empty_file'
  | 'unreadable'
  | 'label_ids'
  | 'label_nc'
  | 'size_mismatch'
  | 'mixed_sizes'
  | 'preprocess'
  | 'no_instances';

export interface DatasetProblem {
  kind: ProblemKind;
  /** The file or folder at fault, as a path under the dataset root given. */
  file: string;
  /** One line, without the file name. */
  message: string;
}

/** One training sample's files (paths under the dataset root given). */
export interface PairFiles {
  stem: string;
  image: string;
  label: string;
  instance?: string;
}

export interface DatasetLayout {
  pairs: PairFiles[];
  /** Both images/ and labels/ could be listed. */
  foldersOk: boolean;
  /** An instances/ folder is present and used. */
  hasInstances: boolean;
  problems: DatasetProblem[];
  notes: string[];
}

const PHOTO_EXT = ['.png', '.jpg', '.jpeg'];
const MAP_EXT = ['.png'];
const OTHER_IMAGE_EXT = ['.bmp', '.tif', '.tiff', '.webp', '.gif', '.ppm', '.pgm', '.jpg', '.jpeg'];

/** NVlabs util.natural_sort's order ('img2' before 'img10', case-insensitive), ties broken by code unit. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.toLowerCase().split(/(\d+)/);
  const pb = b.toLowerCase().split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    if (i % 2 === 1) {
      // digit runs: compare as numbers of any length
      const x = pa[i].replace(/^0+(?=\d)/, '');
      const y = pb[i].replace(/^0+(?=\d)/, '');
      if (x.length !== y.length) return x.length - y.length;
      if (x !== y) return x < y ? -1 : 1;
      continue;
    }
    return pa[i] < pb[i] ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function inside(realRoot: string, real: string): boolean {
  const rel = path.relative(realRoot, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

type Kind = 'file' | 'dir' | 'other';

/**
 * What `p` is, following a symbolic link only when it stays inside the dataset; a problem
 * is recorded (and null returned) for links that leave it, dangle, or cannot be read.
 */
function entryKind(p: string, realRoot: string, problems: DatasetProblem[]): Kind | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
    if (st.isSymbolicLink()) {
      let real: string;
      try {
        real = fs.realpathSync(p);
      } catch {
        problems.push({ kind: 'unreadable', file: p, message: 'broken symbolic link (its target does not exist)' });
        return null;
      }
      if (!inside(realRoot, real)) {
        problems.push({ kind: 'symlink_outside', file: p, message: `symbolic link to ${real}, outside the dataset folder; refusing to follow it` });
        return null;
      }
      st = fs.statSync(p);
    }
  } catch (e) {
    problems.push({ kind: 'unreadable', file: p, message: `cannot read: ${(e as Error).message}` });
    return null;
  }
  return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
}

interface Folder {
  dir: string;
  /** stem -> file path; only files with an accepted extension. */
  byStem: Map<string, string>;
  /** Stems of files refused with a problem: their partners are not reported again as unpaired. */
  refused: Set<string>;
}

/** One folder of a dataset layout (dataset_layouts.ts builds these). */
export interface FolderSpec {
  dir: string;
  /** 'photos', 'label maps', 'instance maps': for messages. */
  what: string;
  /** Extensions accepted (lower case, with the dot). */
  exts: readonly string[];
  /** The pairing stem of a file name, or null for a file that is not part of the set (ignored). */
  stemOf: (name: string) => string | null;
  /** How a missing partner is described: `labels/a.png`. */
  expected: (stem: string) => string;
  /** Also list the files one folder down (Cityscapes keeps one folder per city). */
  recursive: boolean;
}

/** Entry names of `dir` (one level down too when `recursive`), in natural order; dot files skipped. */
function listNames(dir: string, recursive: boolean, realRoot: string, problems: DatasetProblem[], ignored: string[]): string[] {
  const names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort(naturalCompare);
  if (!recursive) return names;
  const out: string[] = [];
  for (const name of names) {
    const full = path.join(dir, name);
    const kind = entryKind(full, realRoot, problems);
    if (kind !== 'dir') {
      if (kind !== null) ignored.push(full);
      continue;
    }
    for (const sub of fs.readdirSync(full).filter((n) => !n.startsWith('.')).sort(naturalCompare)) out.push(path.join(name, sub));
  }
  return out;
}

function listFolder(
  spec: FolderSpec,
  realRoot: string,
  problems: DatasetProblem[],
  ignored: string[],
): Folder {
  const byStem = new Map<string, string>();
  const refused = new Set<string>();
  const { dir, exts: accepted, what } = spec;
  let names: string[];
  try {
    names = listNames(dir, spec.recursive, realRoot, problems, ignored);
  } catch (e) {
    problems.push({ kind: 'unreadable', file: dir, message: `cannot list folder: ${(e as Error).message}` });
    return { dir, byStem, refused };
  }
  for (const name of names) {
    const file = path.join(dir, name);
    const base = path.basename(name);
    const ext = path.extname(base).toLowerCase();
    const stem = spec.stemOf(base);
    const kind = entryKind(file, realRoot, problems);
    if (stem === null) {
      if (kind !== null) ignored.push(file);
      continue;
    }
    if (kind === null) {
      refused.add(stem);
      continue;
    }
    if (kind !== 'file') {
      ignored.push(file);
      continue;
    }
    if (!accepted.includes(ext)) {
      if (OTHER_IMAGE_EXT.includes(ext)) {
        const why = accepted === PHOTO_EXT ? 'photos must be PNG or JPEG' : `${what} must be PNG (lossy formats change ids)`;
        problems.push({ kind: 'unsupported', file, message: `unsupported format ${ext}: ${why}` });
        refused.add(stem);
      } else {
        ignored.push(file);
      }
      continue;
    }
    const prev = byStem.get(stem);
    if (prev !== undefined) {
      problems.push({ kind: 'duplicate', file, message: `same stem '${stem}' as ${prev}; pairing by stem needs one file per stem` });
      refused.add(stem);
      continue;
    }
    byStem.set(stem, file);
  }
  return { dir, byStem, refused };
}

/** Opens `dir` as a folder of the dataset, or records why not. */
function folder(dir: string, realRoot: string, problems: DatasetProblem[], optional: boolean, missing: string): string | null {
  if (!fs.existsSync(dir) && !isLink(dir)) {
    if (!optional) problems.push({ kind: 'missing_folder', file: dir, message: `missing folder: ${missing}` });
    return null;
  }
  const kind = entryKind(dir, realRoot, problems);
  if (kind === null) return null;
  if (kind !== 'dir') {
    problems.push({ kind: 'missing_folder', file: dir, message: 'is not a folder' });
    return null;
  }
  return dir;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Where a dataset's folders are and how their files pair up (dataset_layouts.ts). */
export interface DatasetSource {
  /** The folder named in messages; symbolic links must not lead out of it. */
  root: string;
  images: FolderSpec;
  labels: FolderSpec;
  /** Instance maps, used when present (and required when no_instance is false). */
  instances?: FolderSpec;
  /** What a missing images/labels folder means, for the message. */
  missingFolder: string;
}

/** The folders `images/`, `labels/` and optional `instances/` of our own layout, paired by stem. */
export function ownLayout(root: string): DatasetSource {
  const plainStem = (name: string) => name.slice(0, name.length - path.extname(name).length);
  const spec = (sub: string, what: string, exts: readonly string[], expected: (stem: string) => string): FolderSpec =>
    ({ dir: path.join(root, sub), what, exts, stemOf: plainStem, expected, recursive: false });
  return {
    root,
    images: spec('images', 'photos', PHOTO_EXT, (stem) => `images/${stem}.png or .jpg`),
    labels: spec('labels', 'label maps', MAP_EXT, (stem) => `labels/${stem}.png`),
    instances: spec('instances', 'instance maps', MAP_EXT, (stem) => `instances/${stem}.png`),
    missingFolder: 'a dataset needs images/ and labels/ side by side',
  };
}

export const PHOTO_EXTENSIONS = PHOTO_EXT;
export const MAP_EXTENSIONS = MAP_EXT;

/**
 * Lists and pairs the dataset's files. `noInstance`: true ignores instances/, false requires it,
 * undefined uses it when present.
 */
export function findPairs(root: string, noInstance?: boolean): DatasetLayout {
  return findPairsIn(ownLayout(root), noInstance);
}

/** findPairs for any layout. */
export function findPairsIn(source: DatasetSource, noInstance?: boolean): DatasetLayout {
  const root = source.root;
  const problems: DatasetProblem[] = [];
  const notes: string[] = [];
  const layout: DatasetLayout = { pairs: [], foldersOk: false, hasInstances: false, problems, notes };
  let realRoot: string;
  try {
    if (!fs.statSync(root).isDirectory()) {
      problems.push({ kind: 'missing_folder', file: root, message: 'dataset path is not a folder' });
      return layout;
    }
    realRoot = fs.realpathSync(root);
  } catch {
    problems.push({ kind: 'missing_folder', file: root, message: 'dataset folder not found' });
    return layout;
  }
  const imagesDir = folder(source.images.dir, realRoot, problems, false, source.missingFolder);
  const labelsDir = folder(source.labels.dir, realRoot, problems, false, source.missingFolder);
  const instSpec = source.instances;
  const instDir = noInstance === true || !instSpec ? null : folder(instSpec.dir, realRoot, problems, true, source.missingFolder);
  const instPath = instSpec?.dir ?? path.join(root, 'instances');
  if (noInstance === false && instDir === null && !problems.some((p) => p.file === instPath)) {
    problems.push({ kind: 'no_instances', file: instPath, message: 'missing folder: the model uses instance maps (no_instance is false)' });
  }
  const ignored: string[] = [];
  const images = imagesDir ? listFolder(source.images, realRoot, problems, ignored) : null;
  const labels = labelsDir ? listFolder(source.labels, realRoot, problems, ignored) : null;
  const insts = instDir && instSpec ? listFolder(instSpec, realRoot, problems, ignored) : null;
  layout.hasInstances = insts !== null;
  if (ignored.length > 0) notes.push(`ignored ${ignored.length} entr${ignored.length === 1 ? 'y' : 'ies'} that are not photos or maps: ${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', ...' : ''}`);
  if (!images || !labels) return layout;
  layout.foldersOk = true;
  const refused = (stem: string) => images.refused.has(stem) || labels.refused.has(stem) || insts?.refused.has(stem) === true;

  const stems = new Set([...images.byStem.keys(), ...labels.byStem.keys()]);
  for (const stem of [...stems].sort(naturalCompare)) {
    if (refused(stem)) continue; // already reported
    const image = images.byStem.get(stem);
    const label = labels.byStem.get(stem);
    const instance = insts?.byStem.get(stem);
    if (!image || !label) {
      const have = (image ?? label) as string;
      const missing = image ? source.labels.expected(stem) : source.images.expected(stem);
      problems.push({ kind: 'unpaired', file: have, message: `no matching ${missing}` });
      continue;
    }
    if (insts && instSpec && !instance) {
      problems.push({ kind: 'unpaired', file: label, message: `no matching ${instSpec.expected(stem)} (every pair needs one when the instance folder exists)` });
      continue;
    }
    layout.pairs.push(instance ? { stem, image, label, instance } : { stem, image, label });
  }
  if (insts) {
    for (const [stem, file] of insts.byStem) {
      if (refused(stem)) continue;
      if (!images.byStem.has(stem) || !labels.byStem.has(stem)) {
        problems.push({ kind: 'unpaired', file, message: `instance map without a matching ${images.byStem.has(stem) ? 'label map' : 'photo'}` });
      }
    }
  }
  return layout;
}
