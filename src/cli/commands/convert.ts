/** spade convert: NVlabs .pth (+ opt.txt, E, D) -> one spade-studio safetensors file. */
import { SpadeInputError } from '../../model/errors';
import { attachPth, writeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { SpadeModel } from '../../model/model';
import { configFrom, loadCheckpointFile } from '../load';
import { readInput, writeFileAtomic } from '../files';
import type { CommandContext } from '../main';

export async function convert(ctx: CommandContext): Promise<void> {
  const input = ctx.positional(0, 'the generator checkpoint (G.pth)');
  const out = ctx.required('out');
  if (!out.endsWith('.safetensors')) throw new SpadeInputError('output must end in .safetensors', out);
  const ck = loadCheckpointFile(input, configFrom(ctx.values));
  for (const [flag, net] of [['encoder', 'E'], ['discriminator', 'D']] as const) {
    const file = ctx.values[flag] as string | undefined;
    if (file) attachPth(ck, net, readInput(file, `${flag} checkpoint`), file);
  }
  // Building the model checks every tensor against the options before anything is written.
  const model = SpadeModel.fromCheckpoint(ck, input);
  const counts = model.paramCounts();
  model.dispose();
  ck.info.converted_from = input.split(/[\\/]/).pop() ?? input;
  writeFileAtomic(out, writeCheckpoint(ck, { dtype: ctx.values.half ? 'F16' : 'F32' }));
  const nets = Object.entries(counts).filter(([, n]) => n !== undefined).map(([k, n]) => `${k} ${n!.toLocaleString('en-US')}`);
  ctx.log(`wrote ${out} (${nets.join(', ')} parameters${ctx.values.half ? ', float16' : ''})`);
}
