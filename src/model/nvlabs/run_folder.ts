/**
 * An NVlabs run folder (what NVlabs keeps in `checkpoints/<name>/`) as file names and bytes:
 * `latest_net_G.pth`, `latest_net_D.pth`, `latest_net_E.pth` (VAE only), `opt.txt`, `iter.txt`,
 * plus `spade_label_set.json`, our label set (names, colours), which NVlabs ignores and
 * `--checkpoint <folder>` reads back.
 */
import type { SpadeCheckpoint } from '../checkpoint/spade_checkpoint';
import { writePth } from '../checkpoint/pth_writer';
import { SpadeInputError } from '../errors';
import { checkNvlabsCanLoad, NVLABS_SPADE_HIDDEN } from './export_limits';
import { formatIterTxt, type NvlabsIteration } from './iter_txt';
import { formatOptTxt, type NvlabsOptionValues } from './nvlabs_options';
import { padSpadeHidden } from './spade_hidden_padding';

export const RUN_FOLDER_FILES = {
  G: 'latest_net_G.pth',
  D: 'latest_net_D.pth',
  E: 'latest_net_E.pth',
  opt: 'opt.txt',
  iter: 'iter.txt',
  labelSet: 'spade_label_set.json',
} as const;

/**
 * The files of the run folder. `ck` must hold D (and E for a VAE model); `options` come from
 * nvlabsOptionValues. G's SPADE layers are padded to NVlabs' fixed hidden width.
 */
export function runFolderFiles(
  ck: SpadeCheckpoint,
  options: NvlabsOptionValues,
  iteration: NvlabsIteration,
  source: string,
): Map<string, Uint8Array> {
  const cfg = ck.config;
  checkNvlabsCanLoad(cfg, source);
  const { G, D, E } = ck.nets;
  if (!D) throw new SpadeInputError('internal: the run folder needs a discriminator (D)', source);
  if (cfg.use_vae && !E) throw new SpadeInputError('internal: a VAE run folder needs an encoder (E)', source);
  const files = new Map<string, Uint8Array>();
  const text = (s: string) => new TextEncoder().encode(s);
  files.set(
    RUN_FOLDER_FILES.G,
    writePth(padSpadeHidden(G, cfg.spade_hidden, NVLABS_SPADE_HIDDEN), { archiveName: 'latest_net_G' }),
  );
  files.set(RUN_FOLDER_FILES.D, writePth(D, { archiveName: 'latest_net_D' }));
  if (cfg.use_vae && E) files.set(RUN_FOLDER_FILES.E, writePth(E, { archiveName: 'latest_net_E' }));
  files.set(RUN_FOLDER_FILES.opt, text(formatOptTxt(options)));
  files.set(RUN_FOLDER_FILES.iter, text(formatIterTxt(iteration)));
  files.set(RUN_FOLDER_FILES.labelSet, text(JSON.stringify(ck.labelSet) + '\n'));
  return files;
}
