/**
 * The `spade` command line. Exit codes: 0 success, 2 bad input (one line naming the file
 * and the problem), 1 internal error (set SPADE_DEBUG=1 for the stack).
 */
import { parseArgs } from 'node:util';
import { SpadeInputError } from '../model/errors';
import { selectBackend } from './backend';
import { configFlagSpecs } from './load';
import { synth } from './commands/synth';
import { encode } from './commands/encode';
import { convert } from './commands/convert';
import { exportCommand } from './commands/export';
import { info } from './commands/info';
import { train, TRAIN_FLAGS } from './commands/train';
import { dataset } from './commands/dataset';
import { bench } from './commands/bench';
import { evalCommand } from './commands/eval';
import type { CommandContext } from './command_context';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Resolves to the exit code when it is not 0 (e.g. 130 after Ctrl-C). */
  run(ctx: CommandContext): Promise<void | number>;
  /** Loads a model, so it needs a TF.js backend. */
  tensors: boolean;
  /** The backend without --backend or SPADE_BACKEND (else the CLI's: wasm, then cpu). */
  defaultBackend?: 'auto';
}

const common: Record<string, OptionSpec> = { backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
const modelOptions = (): Record<string, OptionSpec> => ({ opt: { type: 'string' }, ...configFlagSpecs() });

const COMMANDS: Record<string, Command> = {
  synth: {
    summary: 'synthesize an image from a label map',
    usage:
      'spade synth [--checkpoint <.safetensors|.pth> [--opt opt.txt]] --label <png> [--instance <png>]\n' +
      '            [--z <z.npy> | --seed <n> | --style <png|jpg|npy> | --style_json <f.spade-style.json> [--style_name n]]\n' +
      '            -o <out.png|out.npy> [--backend wasm|cpu] [--max_pixels N]   (no --checkpoint: the bundled default model)',
    options: {
      checkpoint: { type: 'string' }, label: { type: 'string' }, instance: { type: 'string' }, z: { type: 'string' },
      seed: { type: 'string' }, style: { type: 'string' }, style_json: { type: 'string' }, style_name: { type: 'string' },
      out: { type: 'string', short: 'o' }, max_pixels: { type: 'string' }, ...modelOptions(),
    },
    run: synth,
    tensors: true,
  },
  encode: {
    summary: 'encode a style image to its style code (mu, logvar) in a .spade-style.json',
    usage: 'spade encode [--checkpoint <.safetensors|.pth> [--opt opt.txt]] --image <png|jpg|npy> [--name n] -o <style.spade-style.json> [--backend wasm|cpu]',
    options: { checkpoint: { type: 'string' }, image: { type: 'string' }, name: { type: 'string' }, out: { type: 'string', short: 'o' }, ...modelOptions() },
    run: encode,
    tensors: true,
  },
  convert: {
    summary: 'convert an NVlabs .pth checkpoint to safetensors',
    usage: 'spade convert <G.pth|checkpoint.safetensors> [--opt opt.txt] [--encoder E.pth] [--discriminator D.pth] [--half] [--inference [--state_out <state.safetensors>]] -o <out.safetensors>\n' +
      '              (--inference: keep only G and E, dropping D and training state; --state_out keeps that in a compact file\n' +
      '               for spade train --checkpoint <out> --state <state>)',
    options: { encoder: { type: 'string' }, discriminator: { type: 'string' }, half: { type: 'boolean' }, inference: { type: 'boolean' },
      state_out: { type: 'string' }, out: { type: 'string', short: 'o' }, ...modelOptions() },
    run: convert,
    tensors: true,
  },
  export: {
    summary: 'write an NVlabs run folder (latest_net_{G,D,E}.pth, opt.txt, iter.txt) for NVlabs train.py --continue_train',
    usage: 'spade export <checkpoint.safetensors|G.pth|run folder> [--opt opt.txt] -o <run folder> [--seed S] [--force]\n' +
      '             (no D, or no E for a VAE model: freshly initialised ones are written; --force replaces an existing run folder\'s files)',
    options: { out: { type: 'string', short: 'o' }, seed: { type: 'string' }, force: { type: 'boolean' }, ...modelOptions() },
    run: exportCommand,
    tensors: true,
  },
  train: {
    summary: 'train or fine-tune on a dataset folder (images/ + labels/, or NVlabs\' coco, ade20k, cityscapes or custom layout)',
    usage:
      'spade train --data <dir> --out <dir> [--checkpoint <init|NVlabs run folder> [--opt opt.txt]] [--steps N] [--batch B]\n' +
      '            (--data: images/ + labels/ [+ instances/], or NVlabs\' coco, ade20k or cityscapes tree as it is;\n' +
      '             or instead of --data, NVlabs\' custom mode: --label_dir <dir> --image_dir <dir> [--instance_dir <dir>])\n' +
      '            [--backend auto|webgpu|wasm|cpu] [--resume] [--check] [--seed S] [--save_every K] [--sample_every K] [--log_every K]\n' +
      '            [--workers N (wasm/cpu: N threads, each on part of every batch; needs --batch N or more)]\n' +
      '            [--lr --beta1 --beta2 --no_TTUR --niter --niter_decay] [--preprocess_mode M --load_size L --no_flip]\n' +
      '            [--d_warmup N (the run\'s first N steps update D alone: a trained G meeting a fresh D)]\n' +
      '            [--state <state.safetensors> (with --checkpoint: continue the training kept by spade convert --state_out)]\n' +
      '            [--label_set name] [--max_pixels N] [model options for training from scratch: --ngf --crop_size --spade_hidden --use_vae ...]',
    options: { ...(TRAIN_FLAGS as Record<string, OptionSpec>), ...modelOptions() },
    run: train,
    tensors: true,
    defaultBackend: 'auto',
  },
  info: {
    summary: 'print the options, parameter counts and label set of a checkpoint',
    usage: 'spade info <checkpoint> [--opt opt.txt]',
    options: modelOptions(),
    run: info,
    tensors: true,
  },
  dataset: {
    summary: 'generate a training set of procedural landscapes (images/ + labels/)',
    usage: 'spade dataset landscapes --count <n> --out <dir> [--size 256] [--aspect 1] [--seed 0] [--force]',
    options: { count: { type: 'string' }, size: { type: 'string' }, aspect: { type: 'string' }, seed: { type: 'string' }, force: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
    run: dataset,
    tensors: false,
  },
  eval: {
    summary: 'quality metric: segmenter mIoU on real vs synthesized images of a dataset folder',
    usage: 'spade eval [--checkpoint <c> [--opt opt.txt]] --data <dir> -o <eval.json> [--seed S] [--segmenter <file>] [--backend wasm|cpu]',
    options: { checkpoint: { type: 'string' }, data: { type: 'string' }, seed: { type: 'string' }, segmenter: { type: 'string' }, out: { type: 'string', short: 'o' }, ...modelOptions() },
    run: evalCommand,
    tensors: true,
  },
  bench: {
    summary: 'measure generator forward latency / train-step time per backend (and PyTorch)',
    usage:
      'spade bench [forward|train] [--config toy|toy128|small|coco|all (comma list)] [--backend wasm,cpu,webgpu]\n' +
      '            [--checkpoint <c> [--opt opt.txt]] [--runs N] [--batch B] [--browser] [--no_torch] [--max_row_s S] [--json <file>]\n' +
      '            [--cached_modulation]   (forward: + cached-modulation and 16-px brush-stroke frames)\n' +
      '            [--profile]   (webgpu: GPU work per step/frame, and host ms on Dawn\'s null backend)',
    options: {
      config: { type: 'string' }, checkpoint: { type: 'string' }, runs: { type: 'string' }, batch: { type: 'string' }, json: { type: 'string' },
      browser: { type: 'boolean' }, no_torch: { type: 'boolean' }, max_row_s: { type: 'string' }, worker: { type: 'string' }, ...modelOptions(),
      cached_modulation: { type: 'boolean' }, profile: { type: 'boolean' },
    },
    run: bench,
    // Each row runs in its own process with its own backend (--backend is a list here).
    tensors: false,
  },
};

function usage(): string {
  return ['usage: spade <command> [options]', '', ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`), '', 'spade <command> --help shows its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  try {
    if (!cmd) throw new SpadeInputError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: { ...common, ...cmd.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new SpadeInputError(`${(e as Error).message.split('\n')[0]} (see spade ${name} --help)`);
    }
    const values = parsed.values as CommandContext['values'];
    if (values.help) {
      process.stdout.write(cmd.usage + '\n');
      return 0;
    }
    const backend = cmd.tensors ? await selectBackend(values.backend as string | undefined, cmd.defaultBackend) : 'none';
    const ctx: CommandContext = {
      values,
      positionals: parsed.positionals,
      backend,
      required(opt) {
        const v = values[opt];
        if (typeof v !== 'string' || v === '') throw new SpadeInputError(`missing --${opt === 'out' ? 'out/-o' : opt} (see spade ${name} --help)`);
        return v;
      },
      positional(i, what) {
        const v = parsed.positionals[i];
        if (!v) throw new SpadeInputError(`missing ${what} (usage: ${cmd.usage})`);
        return v;
      },
      log: (msg) => process.stdout.write(msg + '\n'),
    };
    return (await cmd.run(ctx)) ?? 0;
  } catch (e) {
    if (e instanceof SpadeInputError) {
      process.stderr.write(`spade: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`spade: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.SPADE_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 1;
  }
}
