/**
 * An NVlabs run folder's files as one checkpoint: G, with D and E when present (E only for a
 * VAE model), NVlabs' epoch and iteration from iter.txt into `info.nvlabs_iteration`, and our
 * label set when `spade export` left one. The caller reads the files (the CLI from disk, the
 * extension host through VS Code) and the options (opt.txt, flags); this holds no I/O.
 */
import type { SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import { attachPth, parseLabelSet, readCheckpoint, type SpadeCheckpoint } from '../checkpoint/spade_checkpoint';
import { parseIterTxt } from './iter_txt';
import { RUN_FOLDER_FILES } from './run_folder';

export interface RunFolderFiles {
  /** Bytes of the folder's files that were read, by name (RUN_FOLDER_FILES). */
  bytes: ReadonlyMap<string, Uint8Array>;
  /** A file's path, for messages. */
  pathOf: (name: string) => string;
}

export function checkpointFromRunFolder(folder: RunFolderFiles, config: SpadeConfig): SpadeCheckpoint {
  const { bytes, pathOf } = folder;
  const text = (name: string) => new TextDecoder().decode(bytes.get(name));
  const g = bytes.get(RUN_FOLDER_FILES.G);
  if (!g) throw new SpadeInputError(`is not an NVlabs run folder (no ${RUN_FOLDER_FILES.G})`, pathOf(''));
  const ck = readCheckpoint(g, pathOf(RUN_FOLDER_FILES.G), { config });
  const d = bytes.get(RUN_FOLDER_FILES.D);
  if (d) attachPth(ck, 'D', d, pathOf(RUN_FOLDER_FILES.D));
  const e = bytes.get(RUN_FOLDER_FILES.E);
  if (e && config.use_vae) attachPth(ck, 'E', e, pathOf(RUN_FOLDER_FILES.E));
  if (bytes.has(RUN_FOLDER_FILES.iter)) {
    ck.info.nvlabs_iteration = JSON.stringify(parseIterTxt(text(RUN_FOLDER_FILES.iter), pathOf(RUN_FOLDER_FILES.iter)));
  }
  if (bytes.has(RUN_FOLDER_FILES.labelSet)) {
    try {
      ck.labelSet = parseLabelSet(JSON.parse(text(RUN_FOLDER_FILES.labelSet)), config);
    } catch (err) {
      throw new SpadeInputError(`invalid label set: ${(err as Error).message}`, pathOf(RUN_FOLDER_FILES.labelSet));
    }
  }
  return ck;
}
