/**
 * The NVlabs modules of the single-module reference cases, built as their case.json describes
 * them and loaded with their weights: the SPADE layer (`spade_layer`) and the ResNet block
 * (`resblock`, NVlabs' hard-coded spade_hidden 128).
 */
import { SPADE } from '../../src/model/networks/spade';
import { SPADEResnetBlock } from '../../src/model/networks/resblock';
import { ParamStore } from '../../src/model/nn/params';
import { parseNormG } from '../../src/model/config';
import { netWeights, type RefCase } from './reference';

export function spadeLayerOf(c: RefCase): { layer: SPADE; params: ParamStore } {
  const o = c.json.options as { config_text: string; norm_nc: number; label_nc: number; nhidden: number };
  const layer = new SPADE('', parseNormG(o.config_text), o.norm_nc, o.label_nc, o.nhidden);
  return { layer, params: ParamStore.fromHost(layer.specs(), netWeights(c, 'spade'), 'spade_layer') };
}

export function resblockOf(c: RefCase): { block: SPADEResnetBlock; params: ParamStore } {
  const o = c.json.options as { fin: number; fout: number; norm_G: string; semantic_nc: number };
  const block = new SPADEResnetBlock('', o.fin, o.fout, parseNormG(o.norm_G), o.semantic_nc, 128);
  return { block, params: ParamStore.fromHost(block.specs(), netWeights(c, 'block'), 'resblock') };
}
