/** spade info: config, parameter counts and label set of a checkpoint. */
import { latentSize, outputSize, semanticNc } from '../../model/config';
import { configFrom, loadModel } from '../load';
import type { CommandContext } from '../command_context';

export async function info(ctx: CommandContext): Promise<void> {
  const file = ctx.positional(0, 'a checkpoint');
  const model = loadModel(file, configFrom(ctx.values, file));
  try {
    const cfg = model.config;
    const { height, width } = outputSize(cfg);
    const { sh, sw } = latentSize(cfg);
    const counts = model.paramCounts();
    const lines = [
      `checkpoint: ${file}`,
      `output: ${width}x${height} (latent ${sw}x${sh}, ${cfg.num_upsampling_layers} upsampling), semantic_nc ${semanticNc(cfg)}`,
      `parameters: G ${counts.G.toLocaleString('en-US')}` +
        (counts.E !== undefined ? `, E ${counts.E.toLocaleString('en-US')}` : ', no encoder') +
        (counts.D !== undefined ? `, D ${counts.D.toLocaleString('en-US')}` : ', no discriminator'),
      `label set: ${model.labelSet.name}, ${model.labelSet.names.length} classes` +
        (model.labelSet.dontcareId !== null ? `, dontcare id ${model.labelSet.dontcareId}` : '') +
        `: ${model.labelSet.names.slice(0, 8).join(', ')}${model.labelSet.names.length > 8 ? ', …' : ''}`,
      'options:',
      ...Object.entries(cfg).map(([k, v]) => `  ${k}: ${v}`),
    ];
    ctx.log(lines.join('\n'));
  } finally {
    model.dispose();
  }
}
