/**
 * What NVlabs/SPADE's own networks cannot load. `spade export` refuses these up front, with
 * one line naming the option, instead of writing a run folder that fails on the cluster.
 */
import type { SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';

/** NVlabs' SPADE layer hard-codes its hidden width (normalization.py, `nhidden = 128`). */
export const NVLABS_SPADE_HIDDEN = 128;
/** NVlabs' ConvEncoder hard-codes fc_mu / fc_var to this many outputs. */
export const NVLABS_ENCODER_Z = 256;
/** NVlabs' ConvEncoder builds layer6 only from this crop size up; ours always builds it. */
export const NVLABS_ENCODER_LAYER6_MIN_CROP = 256;

/** NVlabs' get_nonspade_norm_layer knows these sub-norms (after an optional `spectral`). */
const NVLABS_PLAIN_NORMS = ['none', 'batch', 'sync_batch', 'instance'];

export function checkNvlabsCanLoad(cfg: SpadeConfig, source: string): void {
  const refuse = (msg: string): never => {
    throw new SpadeInputError(`cannot export for NVlabs/SPADE: ${msg}`, source);
  };
  if (cfg.spade_hidden > NVLABS_SPADE_HIDDEN) {
    refuse(`spade_hidden ${cfg.spade_hidden} is above the ${NVLABS_SPADE_HIDDEN} that NVlabs' SPADE layers hard-code (a narrower width is padded exactly; a wider one cannot be cut without changing the model)`);
  }
  if (cfg.use_vae && cfg.crop_size < NVLABS_ENCODER_LAYER6_MIN_CROP) {
    refuse(`crop_size ${cfg.crop_size} with use_vae: NVlabs' ConvEncoder builds layer6 only for crop_size ≥ ${NVLABS_ENCODER_LAYER6_MIN_CROP}, and this encoder has one`);
  }
  if (cfg.use_vae && cfg.z_dim !== NVLABS_ENCODER_Z) {
    refuse(`z_dim ${cfg.z_dim} with use_vae: NVlabs' ConvEncoder hard-codes fc_mu and fc_var to ${NVLABS_ENCODER_Z} outputs`);
  }
  for (const [option, norm] of [['norm_E', cfg.norm_E], ['norm_D', cfg.norm_D]] as const) {
    const sub = norm.startsWith('spectral') ? norm.slice('spectral'.length) : norm;
    if (sub !== '' && !NVLABS_PLAIN_NORMS.includes(sub)) refuse(`${option} '${norm}': NVlabs knows only [spectral](none|batch|sync_batch|instance)`);
  }
}
