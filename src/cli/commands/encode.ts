/** spade encode: style image -> the encoder's (mu, logvar), written as a `.spade-style.json`. */
import * as path from 'node:path';
import { SpadeInputError } from '../../model/errors';
import { newStyleFile, serializeStyleFile, styleCode } from '../../model/io/style_file';
import { configFrom, loadModel } from '../load';
import { readInput, writeFileAtomic } from '../files';
import { decodeStyleImage } from '../image_io';
import { checkpointOrDefault } from '../default_model';
import type { CommandContext } from '../command_context';

export async function encode(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const image = ctx.required('image');
  const out = ctx.required('out');
  if (!/\.json$/i.test(out)) throw new SpadeInputError('output must end in .json (e.g. name.spade-style.json)', out);
  if (v.name !== undefined && (v.name as string).trim() === '') throw new SpadeInputError('--name must not be empty');
  const checkpoint = checkpointOrDefault(ctx);
  const model = loadModel(checkpoint, configFrom(v, checkpoint));
  try {
    if (!model.config.use_vae || !model.E) {
      throw new SpadeInputError('has no style encoder (E): train or fine-tune with --use_vae to get one (spade convert --encoder E.pth adds an NVlabs one)', checkpoint);
    }
    const img = decodeStyleImage(readInput(image, 'style image'), image);
    const t0 = performance.now();
    const { mu, logvar } = model.encode(img, image);
    const [m, lv] = [(await mu.data()) as Float32Array, (await logvar.data()) as Float32Array];
    const ms = performance.now() - t0;
    img.dispose();
    mu.dispose();
    logvar.dispose();
    // The source path is stored relative to the style file, so the pair can move together.
    const source = path.relative(path.dirname(path.resolve(out)), path.resolve(image)).split(path.sep).join('/');
    const name = (v.name as string | undefined) ?? path.basename(image).replace(/\.(png|jpe?g|npy)$/i, '');
    const file = newStyleFile(model.config, model.labelSet, path.basename(checkpoint), [styleCode(name, source, m, lv)]);
    writeFileAtomic(out, new TextEncoder().encode(serializeStyleFile(file)));
    ctx.log(`wrote ${out} (style '${name}', z_dim ${model.config.z_dim}, ${ctx.backend}, ${ms.toFixed(0)} ms)`);
  } finally {
    model.dispose();
  }
}
