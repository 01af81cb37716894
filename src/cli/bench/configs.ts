/**
 * The model configurations `spade bench` measures, and their forward cost in MACs.
 * Weights are random (NVlabs init from a seed) unless a checkpoint is given: speed and memory
 * do not depend on the values.
 */
import { latentSize, makeConfig, numUpLayers, outputSize, parseNormG, semanticNc, type SpadeConfig } from '../../model/config';
import { SpadeInputError } from '../../model/errors';

export interface BenchConfig {
  name: string;
  about: string;
  options: Partial<SpadeConfig>;
}

const CONFIGS: BenchConfig[] = [
  {
    // Tiny on purpose: the unit test runs it on every backend in a few seconds.
    name: 'toy',
    // 64² rather than 32²: instance norm over a 1×1 head is undefined (PyTorch refuses it).
    about: '64², label_nc 4, ngf 2, spade_hidden 8 (test size)',
    options: {
      label_nc: 4,
      no_instance: true,
      ngf: 2,
      spade_hidden: 8,
      crop_size: 64,
      norm_G: 'spectralspadeinstance3x3',
      ndf: 8,
    },
  },
  {
    // Tiny channels on a 256² grid with batch norm: a 16-px stroke then recomputes crops of the
    // fine blocks, so the browser test checks the dirty-region path on WebGL and WebGPU quickly.
    name: 'toy256',
    about: '256², label_nc 6, ngf 2, spade_hidden 8, batch norm (test size)',
    options: { label_nc: 6, no_instance: true, ngf: 2, spade_hidden: 8, crop_size: 256, norm_G: 'spectralspadebatch3x3', ndf: 8 },
  },
  {
    // TESTING.md §4's 128² toy: about 2.1M generator parameters.
    name: 'toy128',
    about: '128², label_nc 12 + dontcare, ngf 4, spade_hidden 128',
    options: { label_nc: 12, contain_dontcare_label: true, no_instance: true, ngf: 4, spade_hidden: 128, crop_size: 128 },
  },
  {
    // The size of model we train here (issue 4's "256², spade_hidden = 128"): landscapes-sized
    // label set with dontcare, VAE style input, ngf 16.
    name: 'small',
    about: '256², label_nc 11 + dontcare, ngf 16, spade_hidden 128, use_vae',
    options: {
      label_nc: 11,
      contain_dontcare_label: true,
      no_instance: true,
      ngf: 16,
      spade_hidden: 128,
      crop_size: 256,
      use_vae: true,
    },
  },
  {
    // The 256² VAE model whose train step issue 16 cuts down: the default model's options
    // with ngf 32 and spade_hidden 64 (the size timed on an H100).
    name: 'vae256',
    about: '256², label_nc 11 + dontcare, ngf 32, spade_hidden 64, use_vae, ndf 32',
    options: {
      label_nc: 11,
      contain_dontcare_label: true,
      no_instance: true,
      ngf: 32,
      spade_hidden: 64,
      crop_size: 256,
      use_vae: true,
      norm_G: 'spectralspadesyncbatch3x3',
      ndf: 32,
    },
  },
  {
    // The bundled default model's options (media/models/default.safetensors) with random
    // weights and a discriminator, so PyTorch can run its train step too.
    name: 'default',
    about: '256², label_nc 11 + dontcare, ngf 16, spade_hidden 32, use_vae, ndf 32 (the default model)',
    options: {
      label_nc: 11,
      contain_dontcare_label: true,
      no_instance: true,
      ngf: 16,
      spade_hidden: 32,
      crop_size: 256,
      use_vae: true,
      norm_G: 'spectralspadesyncbatch3x3',
      ndf: 32,
    },
  },
  {
    // The default model's layers (VAE, batch-norm SPADE, 2 x 4-layer D) with few channels at
    // 64²: it fits the 512 MiB that Dawn's null backend allows, so --profile can time its host
    // work; it runs the same kernels per step as the default model at 256².
    name: 'vae64',
    about: "64², label_nc 11 + dontcare, ngf 4, spade_hidden 8, use_vae, ndf 8 (the default model's layers, few channels)",
    options: {
      label_nc: 11,
      contain_dontcare_label: true,
      no_instance: true,
      ngf: 4,
      spade_hidden: 8,
      crop_size: 64,
      use_vae: true,
      norm_G: 'spectralspadesyncbatch3x3',
      ndf: 8,
    },
  },
  {
    // NVlabs' COCO-Stuff generator: 182 classes + dontcare + instance edges, ngf 64.
    name: 'coco',
    about: '256², label_nc 182 + dontcare + instance, ngf 64 (NVlabs COCO-Stuff)',
    options: { label_nc: 182, contain_dontcare_label: true, no_instance: false, ngf: 64, spade_hidden: 128, crop_size: 256 },
  },
];

export const CONFIG_NAMES = CONFIGS.map((c) => c.name);

export function benchConfig(name: string): BenchConfig & { config: SpadeConfig } {
  const c = CONFIGS.find((x) => x.name === name);
  if (!c) throw new SpadeInputError(`--config must be one of ${CONFIG_NAMES.join(', ')} or all, got '${name}'`);
  return { ...c, config: makeConfig(c.options, `bench config ${name}`) };
}

/** Multiply-accumulates of one eval generator forward for one image (convs and the fc). */
export function generatorMacs(cfg: SpadeConfig): number {
  const nf = cfg.ngf;
  const sem = semanticNc(cfg);
  const k2 = parseNormG(cfg.norm_G).kernel ** 2;
  const hidden = cfg.spade_hidden;
  let { sh: h, sw: w } = latentSize(cfg);
  let macs = cfg.use_vae ? cfg.z_dim * 16 * nf * h * w : h * w * sem * 16 * nf * 9;
  const spade = (c: number) => h * w * (sem * hidden * k2 + 2 * hidden * c * k2);
  const block = (fin: number, fout: number) => {
    const fmid = Math.min(fin, fout);
    let m = spade(fin) + h * w * fin * fmid * 9 + spade(fmid) + h * w * fmid * fout * 9;
    if (fin !== fout) m += spade(fin) + h * w * fin * fout;
    return m;
  };
  macs += block(16 * nf, 16 * nf);
  h *= 2; w *= 2;
  macs += block(16 * nf, 16 * nf);
  if (cfg.num_upsampling_layers !== 'normal') { h *= 2; w *= 2; }
  macs += block(16 * nf, 16 * nf);
  const widths = [16, 8, 4, 2, 1].map((m) => m * nf);
  if (numUpLayers(cfg) === 7) widths.push(Math.floor(nf / 2));
  for (let i = 0; i + 1 < widths.length; i++) {
    h *= 2; w *= 2;
    macs += block(widths[i], widths[i + 1]);
  }
  return macs + h * w * widths[widths.length - 1] * 3 * 9;
}

/** MACs of one multiscale discriminator forward for one image (kernel 4, padding 2). */
export function discriminatorMacs(cfg: SpadeConfig): number {
  const { height, width } = outputSize(cfg);
  const inNc = cfg.label_nc + cfg.output_nc + (cfg.contain_dontcare_label ? 1 : 0) + (cfg.no_instance ? 0 : 1);
  let macs = 0;
  let [h, w] = [height, width];
  for (let s = 0; s < cfg.num_D; s++) {
    let [lh, lw, cin, nf] = [h, w, inNc, cfg.ndf];
    for (let n = 0; n <= cfg.n_layers_D; n++) {
      const stride = n < cfg.n_layers_D - 1 ? 2 : 1;
      const cout = n === cfg.n_layers_D ? 1 : nf;
      [lh, lw] = [Math.floor(lh / stride) + 1, Math.floor(lw / stride) + 1];
      macs += lh * lw * cin * cout * 16;
      cin = cout;
      if (n < cfg.n_layers_D - 1) nf = Math.min(nf * 2, 512);
    }
    [h, w] = [Math.ceil(h / 2), Math.ceil(w / 2)]; // avg_pool 3, stride 2, pad 1
  }
  return macs;
}

/**
 * MACs of one NVlabs train step for one image: G runs twice (G step and the D step's fresh
 * fake) and back-propagates once (about 2x its forward); D sees fake and real batches in both
 * steps and back-propagates in both.
 */
export function trainStepMacs(cfg: SpadeConfig): number {
  return 4 * generatorMacs(cfg) + 12 * discriminatorMacs(cfg);
}
