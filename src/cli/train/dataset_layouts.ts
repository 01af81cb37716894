/**
 * NVlabs/SPADE's dataset layouts, read where they are (nothing is copied): `custom` mode's
 * `--label_dir/--image_dir/--instance_dir`, and the standard trees of `coco`, `ade20k` and
 * `cityscapes` as NVlabs' dataset classes find their training files. Each layout brings its
 * label set (class names and how file ids map to classes: ADE20K's 0 = "other", k = class
 * k-1, is NVlabs' shift). Our own `images/ labels/ instances/` folder is the default.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADE20K, CITYSCAPES, COCO_STUFF, type LabelSet } from '../../model/io/label_sets';
import { SpadeInputError } from '../../model/errors';
import { MAP_EXTENSIONS, ownLayout, PHOTO_EXTENSIONS, type DatasetSource, type FolderSpec } from './dataset_files';

export type DatasetMode = 'folders' | 'custom' | 'coco' | 'ade20k' | 'cityscapes';

export interface DatasetLayoutChoice {
  mode: DatasetMode;
  source: DatasetSource;
  /** The layout's own classes (NVlabs' standard sets); none for our folders and custom mode. */
  labelSet?: LabelSet;
  /** NVlabs' options for the same data (`--dataset_mode coco --dataroot …`), for spade export. */
  nvlabs: Record<string, string>;
}

const plainStem = (name: string) => name.slice(0, name.length - path.extname(name).length);

function spec(
  dir: string,
  what: string,
  exts: readonly string[],
  stemOf: (name: string) => string | null,
  expected: (stem: string) => string,
  recursive = false,
): FolderSpec {
  return { dir, what, exts, stemOf, expected, recursive };
}

/** The stem before `suffix` (e.g. `_leftImg8bit.png`), or null for other files. */
function suffixStem(suffix: string): (name: string) => string | null {
  return (name) => (name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : null);
}

/** NVlabs' custom mode: three folders anywhere, paired by file stem. */
export function customLayout(labelDir: string, imageDir: string, instanceDir?: string): DatasetLayoutChoice {
  const [labels, images] = [path.resolve(labelDir), path.resolve(imageDir)];
  const instances = instanceDir ? path.resolve(instanceDir) : undefined;
  // Links must stay inside the folders given: their common parent.
  const root = commonParent([labels, images, ...(instances ? [instances] : [])]);
  const source: DatasetSource = {
    root,
    images: spec(images, 'photos', PHOTO_EXTENSIONS, plainStem, (stem) => `${path.join(images, stem)}.png or .jpg`),
    labels: spec(labels, 'label maps', MAP_EXTENSIONS, plainStem, (stem) => `${path.join(labels, stem)}.png`),
    instances: instances ? spec(instances, 'instance maps', MAP_EXTENSIONS, plainStem, (stem) => `${path.join(instances, stem)}.png`) : undefined,
    missingFolder: 'custom mode needs --label_dir and --image_dir folders',
  };
  const nvlabs: Record<string, string> = { dataset_mode: 'custom', label_dir: labels, image_dir: images };
  if (instances) nvlabs.instance_dir = instances;
  return { mode: 'custom', source, nvlabs };
}

/** COCO-Stuff as NVlabs' coco mode reads it: `train_img/*.jpg`, `train_label/*.png`, `train_inst/*.png`. */
export function cocoLayout(root: string, phase = 'train'): DatasetLayoutChoice {
  const dir = (kind: string) => path.join(root, `${phase}_${kind}`);
  const source: DatasetSource = {
    root,
    images: spec(dir('img'), 'photos', PHOTO_EXTENSIONS, plainStem, (stem) => `${phase}_img/${stem}.jpg`),
    labels: spec(dir('label'), 'label maps', MAP_EXTENSIONS, plainStem, (stem) => `${phase}_label/${stem}.png`),
    instances: spec(dir('inst'), 'instance maps', MAP_EXTENSIONS, plainStem, (stem) => `${phase}_inst/${stem}.png`),
    missingFolder: `NVlabs' coco layout needs ${phase}_img/ and ${phase}_label/`,
  };
  return { mode: 'coco', source, labelSet: COCO_STUFF, nvlabs: { dataset_mode: 'coco', dataroot: root } };
}

/**
 * ADE20K (ADEChallengeData2016) as NVlabs' ade20k mode reads it: `images/training/ADE_train_*.jpg`,
 * `annotations/training/ADE_train_*.png`.
 */
export function ade20kLayout(root: string): DatasetLayoutChoice {
  const stem = (ext: string) => (name: string) => (name.startsWith('ADE_train_') && path.extname(name).toLowerCase() === ext ? plainStem(name) : null);
  const source: DatasetSource = {
    root,
    images: spec(path.join(root, 'images', 'training'), 'photos', PHOTO_EXTENSIONS, stem('.jpg'), (s) => `images/training/${s}.jpg`),
    labels: spec(path.join(root, 'annotations', 'training'), 'label maps', MAP_EXTENSIONS, stem('.png'), (s) => `annotations/training/${s}.png`),
    missingFolder: "NVlabs' ade20k layout needs images/training/ and annotations/training/",
  };
  return { mode: 'ade20k', source, labelSet: ADE20K, nvlabs: { dataset_mode: 'ade20k', dataroot: root } };
}

/**
 * Cityscapes as NVlabs' cityscapes mode reads it: `leftImg8bit/train/<city>/*_leftImg8bit.png`,
 * `gtFine/train/<city>/*_gtFine_{labelIds,instanceIds}.png`.
 */
export function cityscapesLayout(root: string, phase = 'train'): DatasetLayoutChoice {
  const img = path.join(root, 'leftImg8bit', phase);
  const gt = path.join(root, 'gtFine', phase);
  const source: DatasetSource = {
    root,
    images: spec(img, 'photos', PHOTO_EXTENSIONS, suffixStem('_leftImg8bit.png'), (s) => `leftImg8bit/${phase}/<city>/${s}_leftImg8bit.png`, true),
    labels: spec(gt, 'label maps', MAP_EXTENSIONS, suffixStem('_gtFine_labelIds.png'), (s) => `gtFine/${phase}/<city>/${s}_gtFine_labelIds.png`, true),
    instances: spec(gt, 'instance maps', MAP_EXTENSIONS, suffixStem('_gtFine_instanceIds.png'), (s) => `gtFine/${phase}/<city>/${s}_gtFine_instanceIds.png`, true),
    missingFolder: `NVlabs' cityscapes layout needs leftImg8bit/${phase}/ and gtFine/${phase}/`,
  };
  return { mode: 'cityscapes', source, labelSet: CITYSCAPES, nvlabs: { dataset_mode: 'cityscapes', dataroot: root } };
}

/** Our own folder layout (images/, labels/, instances/). */
export function foldersLayout(root: string): DatasetLayoutChoice {
  const r = path.resolve(root);
  const nvlabs: Record<string, string> = { dataset_mode: 'custom', label_dir: path.join(r, 'labels'), image_dir: path.join(r, 'images') };
  if (isDir(path.join(r, 'instances'))) nvlabs.instance_dir = path.join(r, 'instances');
  return { mode: 'folders', source: ownLayout(r), nvlabs };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The layout of `--data <root>`, recognised by its folders: ours (images/ + labels/) first,
 * then NVlabs' coco, ade20k and cityscapes trees. Anything else is read as ours, so that its
 * dataset check names the missing folders.
 */
export function detectLayout(root: string): DatasetLayoutChoice {
  const r = path.resolve(root);
  const has = (...parts: string[]) => isDir(path.join(r, ...parts));
  if (has('images') && has('labels')) return foldersLayout(r);
  if (has('train_img') || has('train_label')) return cocoLayout(r);
  if (has('images', 'training') || has('annotations', 'training')) return ade20kLayout(r);
  if (has('leftImg8bit') || has('gtFine')) return cityscapesLayout(r);
  return foldersLayout(r);
}

/** `--data`, or custom mode's `--label_dir/--image_dir[/--instance_dir]` (not both). */
export function layoutFromFlags(values: Record<string, unknown>): DatasetLayoutChoice {
  const data = values.data as string | undefined;
  const [labelDir, imageDir, instanceDir] = ['label_dir', 'image_dir', 'instance_dir'].map((k) => values[k] as string | undefined);
  const custom = labelDir !== undefined || imageDir !== undefined || instanceDir !== undefined;
  if (data !== undefined && custom) throw new SpadeInputError('give either --data or custom mode\'s --label_dir/--image_dir, not both');
  if (custom) {
    if (!labelDir || !imageDir) throw new SpadeInputError('custom mode needs both --label_dir and --image_dir (and optionally --instance_dir)');
    return customLayout(labelDir, imageDir, instanceDir);
  }
  if (!data) throw new SpadeInputError('missing --data (or custom mode\'s --label_dir and --image_dir) (see spade train --help)');
  return detectLayout(data);
}

function commonParent(dirs: string[]): string {
  let parent = dirs[0];
  while (!dirs.every((d) => d === parent || d.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep))) {
    const up = path.dirname(parent);
    if (up === parent) break;
    parent = up;
  }
  return parent;
}
