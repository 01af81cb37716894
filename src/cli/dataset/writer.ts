/**
 * Writes a landscapes dataset in our training layout: `images/<stem>.png` (RGB) and
 * `labels/<stem>.png` (8-bit grayscale LANDSCAPES ids), paired by stem, plus `landscapes.json`
 * (how it was made, the label set, class frequencies). Every file is written atomically.
 *
 * Never clobbers user data: the output folder must be empty, missing, or a previous output of
 * this command (it has our `landscapes.json`); anything else needs `force`. Rewriting a previous
 * output removes its pairs beyond the new count, so the folder holds exactly one dataset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { SpadeInputError } from '../../model/errors';
import { LANDSCAPES } from '../../model/io/label_sets';
import { writeFileAtomic } from '../files';
import { makeLayout } from './layout';
import { noiseBank, sceneSeed } from './noise';
import { renderScene } from './render';
import { ClassStats } from './stats';

export const MANIFEST = 'landscapes.json';
export const MANIFEST_FORMAT = 'spade-studio/landscapes/1';

export interface LandscapesOptions {
  out: string;
  count: number;
  width: number;
  height: number;
  seed: number;
  force?: boolean;
  /** Called after each pair is written. */
  progress?: (done: number) => void;
}

export interface LandscapesResult {
  stats: ClassStats;
  /** Stale pairs of a previous run that were removed. */
  removed: number;
  /** Wall time, and the CPU time this process used (user + system), in ms. */
  wallMs: number;
  cpuMs: number;
  /** Wall time per stage, in ms. */
  stageMs: { layout: number; render: number; encode: number; write: number };
  bytes: number;
}

/** File stem of pair `i`: zero-padded to 5 digits, or more for larger datasets. */
export function stemOf(i: number, count: number): string {
  return String(i).padStart(Math.max(5, String(count - 1).length), '0');
}

/** The PNG pair of one scene (also what the tests and samples use). */
export function landscapePair(
  seed: number,
  index: number,
  width: number,
  height: number,
): { image: Uint8Array; label: Uint8Array; labels: Uint8Array } {
  const scene = makeLayout(sceneSeed(seed, index), width, height);
  const { rgb } = renderScene(scene);
  return {
    image: encodePng({ width, height, data: rgb, channels: 3, depth: 8 }),
    label: encodePng({ width, height, data: scene.labels, channels: 1, depth: 8 }),
    labels: scene.labels,
  };
}

export function writeLandscapes(opts: LandscapesOptions): LandscapesResult {
  const { out, count, width, height, seed } = opts;
  const removable = prepareOutput(out, !!opts.force);
  const images = path.join(out, 'images');
  const labelsDir = path.join(out, 'labels');
  fs.mkdirSync(images, { recursive: true });
  fs.mkdirSync(labelsDir, { recursive: true });
  // The manifest goes first, so that an interrupted run is still recognised as ours.
  const about = { format: MANIFEST_FORMAT, generator: 'spade dataset landscapes', seed, count, width, height };
  writeManifest(out, { ...about, complete: false });

  noiseBank(); // built once, outside the timings
  const stats = new ClassStats(LANDSCAPES.names);
  const stageMs = { layout: 0, render: 0, encode: 0, write: 0 };
  let bytes = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const stem = stemOf(i, count);
    let t = performance.now();
    const scene = makeLayout(sceneSeed(seed, i), width, height);
    stageMs.layout += performance.now() - t;
    t = performance.now();
    const { rgb } = renderScene(scene);
    stageMs.render += performance.now() - t;
    t = performance.now();
    const image = encodePng({ width, height, data: rgb, channels: 3, depth: 8 });
    const label = encodePng({ width, height, data: scene.labels, channels: 1, depth: 8 });
    stageMs.encode += performance.now() - t;
    t = performance.now();
    writeFileAtomic(path.join(images, `${stem}.png`), image);
    writeFileAtomic(path.join(labelsDir, `${stem}.png`), label);
    stageMs.write += performance.now() - t;
    bytes += image.length + label.length;
    stats.add(scene.labels);
    opts.progress?.(i + 1);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  // Pairs of a previous, larger run of ours would otherwise mix into this dataset.
  let removed = 0;
  if (removable) {
    for (const dir of [images, labelsDir]) {
      for (const f of fs.readdirSync(dir)) {
        const m = /^(\d{5,})\.png$/.exec(f);
        if (m && Number(m[1]) >= count) {
          fs.rmSync(path.join(dir, f));
          if (dir === images) removed++;
        }
      }
    }
  }
  writeManifest(out, {
    ...about,
    complete: true,
    layout: {
      images: 'images/<stem>.png (RGB)',
      labels: 'labels/<stem>.png (8-bit grayscale ids)',
      stems: `${stemOf(0, count)}..${stemOf(count - 1, count)}`,
    },
    label_set: LANDSCAPES,
    class_frequency: Object.fromEntries(
      stats.summary().map((s) => [s.name, { pixels: round4(s.pixels), scenes: round4(s.scenes) }]),
    ),
  });
  return { stats, removed, wallMs, cpuMs, stageMs, bytes };
}

function writeManifest(out: string, manifest: object): void {
  writeFileAtomic(path.join(out, MANIFEST), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Checks the output folder and creates it. Returns whether stale pairs of ours may be removed
 * (true only for a previous output of this command).
 */
function prepareOutput(out: string, force: boolean): boolean {
  let entries: string[];
  try {
    const st = fs.statSync(out);
    if (!st.isDirectory()) throw new SpadeInputError('output exists and is not a folder', out);
    entries = fs.readdirSync(out);
  } catch (e) {
    if (e instanceof SpadeInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new SpadeInputError(`cannot read the output folder: ${(e as Error).message}`, out);
    const parent = path.dirname(path.resolve(out));
    if (!fs.existsSync(parent)) throw new SpadeInputError('the output folder\'s parent does not exist', parent);
    fs.mkdirSync(out);
    return false;
  }
  if (entries.length === 0) return false;
  if (isOurs(path.join(out, MANIFEST))) return true;
  if (force) return false;
  throw new SpadeInputError(`output folder is not empty and is not a previous 'spade dataset landscapes' output (no ${MANIFEST}); ` +
    'choose an empty folder, or pass --force to write into it anyway', out);
}

function isOurs(manifest: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { format?: unknown };
    return m.format === MANIFEST_FORMAT;
  } catch {
    return false;
  }
}
