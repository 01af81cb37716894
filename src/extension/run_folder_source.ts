/**
 * `spade.checkpoint` pointing at an NVlabs run folder (`checkpoints/<name>/`): G (and E) from
 * `latest_net_*.pth`, the options from its `opt.txt`, the classes from `spade_label_set.json`
 * when `spade export` wrote one. The previews get one safetensors file of G and E, which carries
 * the options and label set with it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attachPth, parseLabelSet, readCheckpoint, writeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { SpadeInputError } from '../model/errors';
import { RUN_FOLDER_FILES } from '../model/nvlabs/run_folder';
import { parseOptTxt } from '../model/opt_txt';

/** The host runs in Node on local files (as bundledCheckpointUri assumes): a sync check is fine. */
export function isRunFolderPath(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export interface RunFolderPreview {
  name: string;
  /** Our safetensors (G, and E for a VAE model), with the options and the label set. */
  bytes: Uint8Array;
  ck: ReturnType<typeof readCheckpoint>;
}

/** `read` reads a file of the folder (the host passes vscode.workspace.fs; tests pass node:fs). */
export async function readRunFolderForPreview(dir: string, read: (file: string, what: string) => Promise<Uint8Array>): Promise<RunFolderPreview> {
  const file = (name: string) => path.join(dir, name);
  const name = path.basename(path.resolve(dir));
  const optTxt = new TextDecoder().decode(await read(file(RUN_FOLDER_FILES.opt), 'opt.txt (an NVlabs run folder needs one)'));
  const config = parseOptTxt(optTxt, `${name}/${RUN_FOLDER_FILES.opt}`);
  const ck = readCheckpoint(await read(file(RUN_FOLDER_FILES.G), `${RUN_FOLDER_FILES.G} (an NVlabs run folder needs one)`), `${name}/${RUN_FOLDER_FILES.G}`, { config });
  if (config.use_vae && fs.existsSync(file(RUN_FOLDER_FILES.E))) {
    attachPth(ck, 'E', await read(file(RUN_FOLDER_FILES.E), RUN_FOLDER_FILES.E), `${name}/${RUN_FOLDER_FILES.E}`);
  }
  if (fs.existsSync(file(RUN_FOLDER_FILES.labelSet))) {
    const labelFile = `${name}/${RUN_FOLDER_FILES.labelSet}`;
    try {
      ck.labelSet = parseLabelSet(JSON.parse(new TextDecoder().decode(await read(file(RUN_FOLDER_FILES.labelSet), 'label set'))), config);
    } catch (e) {
      throw new SpadeInputError(`invalid label set: ${(e as Error).message}`, labelFile);
    }
  }
  return { name, bytes: writeCheckpoint({ ...ck, nets: { G: ck.nets.G, E: ck.nets.E }, extra: new Map() }), ck };
}
