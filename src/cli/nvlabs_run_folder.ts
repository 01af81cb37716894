/**
 * An NVlabs run folder (`checkpoints/<name>/`: latest_net_G.pth, and D, E, opt.txt, iter.txt
 * beside it) from disk as one checkpoint (run_folder_reader.ts); the options from its opt.txt,
 * overridden by flags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpadeConfig } from '../model/config';
import { SpadeInputError } from '../model/errors';
import type { SpadeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { RUN_FOLDER_FILES } from '../model/nvlabs/run_folder';
import { checkpointFromRunFolder } from '../model/nvlabs/run_folder_reader';
import { parseOptTxt } from '../model/opt_txt';
import { readInput, readText } from './files';

export function isRunFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The folder's opt.txt, for configFrom to read when no --opt is given. */
export function runFolderOptTxt(dir: string): string | undefined {
  const f = path.join(dir, RUN_FOLDER_FILES.opt);
  return isRunFolder(dir) && fs.existsSync(f) ? f : undefined;
}

/** `config`: from the folder's opt.txt (or --opt) and flags, as configFrom reads them. */
export function readRunFolder(dir: string, config: SpadeConfig | undefined): SpadeCheckpoint {
  const pathOf = (name: string) => (name ? path.join(dir, name) : dir);
  if (!fs.existsSync(pathOf(RUN_FOLDER_FILES.G))) {
    throw new SpadeInputError(`is a folder but not an NVlabs run folder (no ${RUN_FOLDER_FILES.G})`, dir);
  }
  // Callers that gathered no options (no --opt, no flags) get the folder's own.
  const optFile = pathOf(RUN_FOLDER_FILES.opt);
  if (!config && fs.existsSync(optFile)) config = parseOptTxt(readText(optFile, 'opt.txt'), optFile);
  if (!config) throw new SpadeInputError(`NVlabs run folder has no ${RUN_FOLDER_FILES.opt}: give the options with --opt`, dir);
  const bytes = new Map<string, Uint8Array>();
  for (const name of [
    RUN_FOLDER_FILES.G,
    RUN_FOLDER_FILES.D,
    RUN_FOLDER_FILES.E,
    RUN_FOLDER_FILES.iter,
    RUN_FOLDER_FILES.labelSet,
  ]) {
    if (name === RUN_FOLDER_FILES.E && !config.use_vae) continue;
    if (fs.existsSync(pathOf(name))) bytes.set(name, readInput(pathOf(name), name));
  }
  const ck = checkpointFromRunFolder({ bytes, pathOf }, config);
  ck.info.converted_from = path.basename(path.resolve(dir));
  return ck;
}
