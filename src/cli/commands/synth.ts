/** spade synth: label map (+ instance map, + style) -> synthesized image. */
import * as tf from '@tensorflow/tfjs-core';
import { SpadeInputError } from '../../model/errors';
import { readNpy } from '../../model/io/npy';
import { outputSize } from '../../model/config';
import { configFrom, loadModel, maxPixelsFrom, readLabels } from '../load';
import { readInput, readText, writeFileAtomic } from '../files';
import { checkStyleFileFits, checkStyleFileSize, findStyle, parseStyleFile } from '../../model/io/style_file';
import { decodeStyleImage, encodeOutput } from '../image_io';
import type { CommandContext } from '../command_context';
import { checkpointOrDefault } from '../default_model';

export async function synth(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  const checkpoint = checkpointOrDefault(ctx);
  const label = ctx.required('label');
  const out = ctx.required('out');
  if (!/\.(png|npy)$/i.test(out)) throw new SpadeInputError('output must end in .png or .npy', out);
  const styles = ['z', 'seed', 'style', 'style_json'].filter((k) => v[k] !== undefined);
  if (styles.length > 1) throw new SpadeInputError(`give only one of --z, --seed, --style and --style_json (got ${styles.map((s) => `--${s}`).join(', ')})`);
  if (v.style_name !== undefined && v.style_json === undefined) throw new SpadeInputError('--style_name picks a style from --style_json: give that too');

  const maxPixels = maxPixelsFrom(v);
  const model = loadModel(checkpoint, configFrom(v, checkpoint));
  try {
    const labels = readLabels(model, label, v.instance as string | undefined, maxPixels);
    const cfg = model.config;
    let z: tf.Tensor2D | undefined;
    if (v.z !== undefined) {
      if (!cfg.use_vae) throw new SpadeInputError('--z needs a model trained with use_vae; this one has no style input', checkpoint);
      const file = v.z as string;
      const a = readNpy(readInput(file, 'style code'), file, { finite: true });
      if (a.data.length !== cfg.z_dim || !(a.shape.length === 1 || (a.shape.length === 2 && a.shape[0] === 1))) {
        throw new SpadeInputError(`style code must have shape (${cfg.z_dim},) or (1, ${cfg.z_dim}), got (${a.shape.join(', ')})`, file);
      }
      z = tf.tensor2d(a.data, [1, cfg.z_dim]);
    } else if (v.style !== undefined) {
      const file = v.style as string;
      const img = decodeStyleImage(readInput(file, 'style image'), file, maxPixels);
      // The mode of the style distribution (mu): deterministic, unlike NVlabs' test-time sample.
      const { mu, logvar } = model.encode(img, checkpoint);
      logvar.dispose();
      img.dispose();
      z = mu;
    } else if (v.style_json !== undefined) {
      const file = v.style_json as string;
      const styleFile = parseStyleFile(readText(file, 'style file', (size) => checkStyleFileSize(size, file)), file);
      const warning = checkStyleFileFits(styleFile, cfg, model.labelSet, file);
      // Pick the style before warning, so a refused file gives its one error line and nothing else.
      const style = findStyle(styleFile, v.style_name as string | undefined, file);
      if (warning) process.stderr.write(`spade: warning: ${warning}\n`);
      // The mean code, as --style uses.
      z = tf.tensor2d(style.mu, [1, cfg.z_dim]);
    }
    const seed = v.seed === undefined ? 0 : parseSeed(v.seed as string);
    const t0 = performance.now();
    const img = model.synthesize(labels, { z, seed }, label);
    const bytes = await encodeOutput(img, out);
    const ms = performance.now() - t0;
    writeFileAtomic(out, bytes);
    const { height, width } = outputSize(cfg);
    ctx.log(`wrote ${out} (${width}x${height}, ${ctx.backend}, ${ms.toFixed(0)} ms)`);
    img.dispose();
    z?.dispose();
  } finally {
    model.dispose();
  }
}

export function parseSeed(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new SpadeInputError(`--seed must be a non-negative integer, got '${s}'`);
  return n;
}
