/**
 * spade convert: NVlabs .pth (+ opt.txt, E, D) -> one spade-studio safetensors file; or, with
 * --inference, any checkpoint (a training run's too) -> just G and E, for the editor to load.
 */
import { SpadeInputError } from '../../model/errors';
import { attachPth, writeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { SpadeModel } from '../../model/model';
import { configFrom, loadCheckpointFile } from '../load';
import { readInput, writeFileAtomic } from '../files';
import type { CommandContext } from '../command_context';

export async function convert(ctx: CommandContext): Promise<void> {
  const input = ctx.positional(0, 'the generator checkpoint (G.pth)');
  const out = ctx.required('out');
  if (!out.endsWith('.safetensors')) throw new SpadeInputError('output must end in .safetensors', out);
  const ck = loadCheckpointFile(input, configFrom(ctx.values, input));
  for (const [flag, net] of [['encoder', 'E'], ['discriminator', 'D']] as const) {
    const file = ctx.values[flag] as string | undefined;
    if (file) attachPth(ck, net, readInput(file, `${flag} checkpoint`), file);
  }
  if (ctx.values.inference) {
    // D, the Adam moments and the run's place in its data only matter to training (and are
    // about twice G's size); the step it was trained for is kept as provenance.
    const step = (JSON.parse(ck.info.train_state ?? 'null') as { step?: number } | null)?.step;
    ck.nets = { G: ck.nets.G, E: ck.nets.E };
    ck.extra = new Map();
    delete ck.info.train_state;
    if (step !== undefined) ck.info.trained_steps = String(step);
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
