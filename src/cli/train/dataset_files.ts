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

function listFolder(
  dir: string,
  accepted: readonly string[],
  what: string,
  realRoot: string,
  problems: DatasetProblem[],
  ignored: string[],
): Folder {
  const byStem = new Map<string, string>();
  const refused = new Set<string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort(naturalCompare);
  } catch (e) {
    problems.push({ kind: 'unreadable', file: dir, message: `cannot list folder: ${(e as Error).message}` });
    return { dir, byStem, refused };
  }
  for (const name of names) {
    if (name.startsWith('.')) continue; // .DS_Store, editor temp files
    const file = path.join(dir, name);
    const ext = path.extname(name).toLowerCase();
    const stem = name.slice(0, name.length - ext.length);
    const kind = entryKind(file, realRoot, problems);
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

/** Opens `root/name` as a folder of the dataset, or records why not. */
function folder(root: string, name: string, realRoot: string, problems: DatasetProblem[], optional: boolean): string | null {
  const dir = path.join(root, name);
  if (!fs.existsSync(dir) && !isLink(dir)) {
    if (!optional) problems.push({ kind: 'missing_folder', file: dir, message: `missing folder: a dataset needs images/ and labels/ side by side` });
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

/**
 * Lists and pairs the dataset's files. `noInstance`: true ignores instances/, false requires it,
 * undefined uses it when present.
 */
export function findPairs(root: string, noInstance?: boolean): DatasetLayout {
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
  const imagesDir = folder(root, 'images', realRoot, problems, false);
  const labelsDir = folder(root, 'labels', realRoot, problems, false);
  const instDir = noInstance === true ? null : folder(root, 'instances', realRoot, problems, true);
  if (noInstance === false && instDir === null && !problems.some((p) => p.file === path.join(root, 'instances'))) {
    problems.push({ kind: 'no_instances', file: path.join(root, 'instances'), message: 'missing folder: the model uses instance maps (no_instance is false)' });
  }
  const ignored: string[] = [];
  const images = imagesDir ? listFolder(imagesDir, PHOTO_EXT, 'photos', realRoot, problems, ignored) : null;
  const labels = labelsDir ? listFolder(labelsDir, MAP_EXT, 'label maps', realRoot, problems, ignored) : null;
  const insts = instDir ? listFolder(instDir, MAP_EXT, 'instance maps', realRoot, problems, ignored) : null;
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
      const missing = image ? `labels/${stem}.png` : `images/${stem}.png or .jpg`;
      problems.push({ kind: 'unpaired', file: have, message: `no matching ${missing}` });
      continue;
    }
    if (insts && !instance) {
      problems.push({ kind: 'unpaired', file: label, message: `no matching instances/${stem}.png (every pair needs one when instances/ exists)` });
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
