/**
 * Reads an NVlabs run folder (`checkpoints/<name>/`: latest_net_G.pth, and D, E, opt.txt,
 * iter.txt beside it) as one checkpoint: G, D and E come in together, the options from
 * opt.txt (overridden by flags), and NVlabs' epoch and iteration into `info.nvlabs_iteration`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpadeConfig } from '../model/config';
import { SpadeInputError } from '../model/errors';
import { attachPth, parseLabelSet, readCheckpoint, type SpadeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { parseIterTxt } from '../model/nvlabs/iter_txt';
import { RUN_FOLDER_FILES } from '../model/nvlabs/run_folder';
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
  const file = (name: string) => path.join(dir, name);
  const gFile = file(RUN_FOLDER_FILES.G);
  if (!fs.existsSync(gFile)) {
    throw new SpadeInputError(`is a folder but not an NVlabs run folder (no ${RUN_FOLDER_FILES.G})`, dir);
  }
  if (!config) throw new SpadeInputError(`NVlabs run folder has no ${RUN_FOLDER_FILES.opt}: give the options with --opt`, dir);
  const ck = readCheckpoint(readInput(gFile, 'checkpoint'), gFile, { config });
  const dFile = file(RUN_FOLDER_FILES.D);
  if (fs.existsSync(dFile)) attachPth(ck, 'D', readInput(dFile, 'discriminator checkpoint'), dFile);
  const eFile = file(RUN_FOLDER_FILES.E);
  if (config.use_vae && fs.existsSync(eFile)) attachPth(ck, 'E', readInput(eFile, 'encoder checkpoint'), eFile);
  const iterFile = file(RUN_FOLDER_FILES.iter);
  if (fs.existsSync(iterFile)) ck.info.nvlabs_iteration = JSON.stringify(parseIterTxt(readText(iterFile, 'iter.txt'), iterFile));
  const labelFile = file(RUN_FOLDER_FILES.labelSet);
  if (fs.existsSync(labelFile)) {
    try {
      ck.labelSet = parseLabelSet(JSON.parse(readText(labelFile, 'label set')), config);
    } catch (e) {
      if (e instanceof SpadeInputError) throw e;
      throw new SpadeInputError(`invalid label set: ${(e as Error).message}`, labelFile);
    }
  }
  ck.info.converted_from = path.basename(path.resolve(dir));
  return ck;
}
