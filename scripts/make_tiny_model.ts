/**
 * Writes the bundled stand-in model, media/models/tiny-untrained.safetensors: a small,
 * UNTRAINED SPADE (VAE, so style controls work) that keeps the editor's pipeline alive until
 * the default model ships. Deterministic from its seed, so it is generated at build time
 * rather than tracked. Instance norm and enlarged random weights (xavier gain 0.1 for
 * non-spectral convs, uniform ±0.17 biases) make the picture visibly depend on the mask;
 * NVlabs' gain 0.02 gives an almost uniform grey.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { makeConfig } from '../src/model/config';
import { SpadeModel } from '../src/model/model';
import { writeCheckpoint } from '../src/model/checkpoint/spade_checkpoint';
import { LANDSCAPES } from '../src/model/io/label_sets';

const OUT = path.join(__dirname, '..', 'media', 'models', 'tiny-untrained.safetensors');

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  const cfg = makeConfig(
    // The default model's label set (procedural landscapes, 256x256 samples), at 128x128.
    { label_nc: LANDSCAPES.names.length, contain_dontcare_label: true, no_instance: true, ngf: 4, spade_hidden: 16, crop_size: 128, aspect_ratio: 1, use_vae: true, z_dim: 64, norm_G: 'spectralspadeinstance3x3' },
    'tiny model',
  );
  const model = SpadeModel.initialise(cfg, 1234, { labelSet: LANDSCAPES });
  const ck = await model.toCheckpoint({ note: 'untrained stand-in; replaced by the default model' });
  model.dispose();
  let s = 99;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (const net of [ck.nets.G, ck.nets.E]) {
    for (const [k, t] of net ?? []) {
      if (k.endsWith('.bias')) t.data.forEach((_, i) => (t.data[i] = rand() * 0.17));
      else if (k.endsWith('.weight') && t.shape.length > 1) t.data.forEach((v, i) => (t.data[i] = v * 5));
    }
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const bytes = writeCheckpoint(ck, { dtype: 'F16' });
  fs.writeFileSync(OUT + '.tmp', bytes);
  fs.renameSync(OUT + '.tmp', OUT);
  console.log(`wrote ${path.relative(process.cwd(), OUT)} (${(bytes.length / 1024).toFixed(0)} KiB)`);
}

void main();
