/**
 * `spade.checkpoint` pointing at an NVlabs run folder (`checkpoints/<name>/`): G (and E) from
 * `latest_net_*.pth`, the options from its `opt.txt`, the classes from `spade_label_set.json`
 * when `spade export` wrote one. The previews get one safetensors file of G and E, which carries
 * the options and label set with it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCheckpoint, type SpadeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { RUN_FOLDER_FILES } from '../model/nvlabs/run_folder';
import { checkpointFromRunFolder } from '../model/nvlabs/run_folder_reader';
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
  ck: SpadeCheckpoint;
}

/** `read` reads a file of the folder (the host passes vscode.workspace.fs; tests pass node:fs). */
export async function readRunFolderForPreview(
  dir: string,
  read: (file: string, what: string) => Promise<Uint8Array>,
): Promise<RunFolderPreview> {
  const name = path.basename(path.resolve(dir));
  const pathOf = (file: string) => (file ? `${name}/${file}` : name);
  const optTxt = new TextDecoder().decode(
    await read(path.join(dir, RUN_FOLDER_FILES.opt), 'opt.txt (an NVlabs run folder needs one)'),
  );
  const config = parseOptTxt(optTxt, pathOf(RUN_FOLDER_FILES.opt));
  // D only trains; the previews need G, and E for style encoding.
  const bytes = new Map<string, Uint8Array>();
  bytes.set(
    RUN_FOLDER_FILES.G,
    await read(path.join(dir, RUN_FOLDER_FILES.G), `${RUN_FOLDER_FILES.G} (an NVlabs run folder needs one)`),
  );
  for (const file of [RUN_FOLDER_FILES.E, RUN_FOLDER_FILES.labelSet]) {
    if (fs.existsSync(path.join(dir, file))) bytes.set(file, await read(path.join(dir, file), file));
  }
  const ck = checkpointFromRunFolder({ bytes, pathOf }, config);
  return { name, bytes: writeCheckpoint({ ...ck, nets: { G: ck.nets.G, E: ck.nets.E }, extra: new Map() }), ck };
}
