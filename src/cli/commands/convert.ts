/**
 * spade convert: NVlabs .pth (+ opt.txt, E, D) -> one spade-studio safetensors file; or, with
 * --inference, any checkpoint (a training run's too) -> just G and E, for the editor to load;
 * --state_out keeps what that drops (D, optimizer state, the run's place) in a file of its own.
 */
import { SpadeInputError } from '../../model/errors';
import { attachPth, writeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { SpadeModel } from '../../model/model';
import { configFrom, loadCheckpointFile } from '../load';
import { readInput, sha256Hex, writeFileAtomic } from '../files';
import { writeTrainStateFile, type TrainStateFile } from '../../model/checkpoint/train_state_file';
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
  const stateOut = ctx.values.state_out as string | undefined;
  if (stateOut !== undefined && !ctx.values.inference) throw new SpadeInputError('--state_out keeps what --inference drops: pass --inference too');
  if (stateOut !== undefined && !stateOut.endsWith('.safetensors')) throw new SpadeInputError('training state output must end in .safetensors', stateOut);
  let kept: { file: string; beta1: number; state: Omit<TrainStateFile, 'weightsSha256'> } | undefined;
  if (ctx.values.inference) {
    // D, the Adam moments and the run's place in its data only matter to training (and are
    // about twice G's size); the step it was trained for is kept as provenance.
    const run = JSON.parse(ck.info.train_state ?? 'null') as { step?: number; options?: { beta1?: unknown } } | null;
    if (stateOut !== undefined) {
      if (!ck.nets.D || !ck.info.train_state || !ck.extra.has('step'))
        throw new SpadeInputError('--state_out: this is not a training checkpoint (no D, optimizer state or train_state)', input);
      const beta1 = run?.options?.beta1;
      if (typeof beta1 !== 'number' || !(beta1 >= 0 && beta1 < 1)) throw new SpadeInputError('--state_out: train_state has no valid options.beta1', input);
      kept = { file: stateOut, beta1, state: { D: ck.nets.D, extra: ck.extra, trainState: ck.info.train_state } };
    }
    ck.nets = { G: ck.nets.G, E: ck.nets.E };
    ck.extra = new Map();
    delete ck.info.train_state;
    if (run?.step !== undefined) ck.info.trained_steps = String(run.step);
  }
  // Building the model checks every tensor against the options before anything is written.
  const model = SpadeModel.fromCheckpoint(ck, input);
  const counts = model.paramCounts();
  model.dispose();
  ck.info.converted_from = input.split(/[\\/]/).pop() ?? input;
  const bytes = writeCheckpoint(ck, { dtype: ctx.values.half ? 'F16' : 'F32' });
  writeFileAtomic(out, bytes);
  const nets = Object.entries(counts).filter(([, n]) => n !== undefined).map(([k, n]) => `${k} ${n!.toLocaleString('en-US')}`);
  ctx.log(`wrote ${out} (${nets.join(', ')} parameters${ctx.values.half ? ', float16' : ''})`);
  if (kept) {
    const state = writeTrainStateFile({ ...kept.state, weightsSha256: sha256Hex(bytes) }, kept.beta1);
    writeFileAtomic(kept.file, state);
    ctx.log(`wrote ${kept.file} (D, optimizer state and the run's place, for spade train --checkpoint ${out} --state ${kept.file}; ${(state.length / 2 ** 20).toFixed(1)} MiB)`);
  }
}
