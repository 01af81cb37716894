/**
 * The training state kept beside an inference checkpoint (G and E): D, the Adam moments, the
 * step counts and the run's own description (options, seed, place in its data), so that a later
 * run continues the training instead of starting D and Adam afresh.
 *
 * It is kept small enough for git: D's weights in float16 as the inference file stores G's, the
 * moments in bfloat16 (float16 would flush Adam's v, about g², to zero below 6e-8, and a v of 0
 * turns the next update into m / eps), and no first moment at all when beta1 is 0, where Adam
 * overwrites m with the gradient before it reads it, so zeros resume exactly.
 * It names the weights it belongs to by their file's SHA-256: paired with other weights, its D and
 * moments would be nonsense.
 */
import { SpadeInputError } from '../errors';
import type { HostTensor, NamedTensors } from './host_tensor';
import { readSafetensors, writeSafetensors } from './safetensors';
import { isNetWeight, TRAIN_STATE_FORMAT } from './spade_checkpoint';


/** What the file holds, as a training checkpoint holds it (`D.*` as `D`, `optim.*` and `step` as `extra`). */
export interface TrainStateFile {
  /** Hex SHA-256 of the inference checkpoint file whose G and E this state trained. */
  weightsSha256: string;
  D: NamedTensors;
  extra: NamedTensors;
  /** The run's description, as `spade train` keeps it in `train_state` (JSON). */
  trainState: string;
}

const FIRST_MOMENT = /^optim\.([A-Z])\.exp_avg\.(.+)$/;
const SECOND_MOMENT = /^optim\.([A-Z])\.exp_avg_sq\.(.+)$/;

/** The file's bytes. `beta1` is the run's: at 0 the first moments are left out. */
export function writeTrainStateFile(s: TrainStateFile, beta1: number): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(s.weightsSha256)) throw new Error(`internal: weights hash '${s.weightsSha256}' is not a hex SHA-256`);
  const all: NamedTensors = new Map();
  for (const [k, v] of s.D) all.set(`D.${k}`, v);
  const dropFirst = beta1 === 0;
  for (const [k, v] of s.extra) if (!(dropFirst && FIRST_MOMENT.test(k))) all.set(k, v);
  const meta = {
    format: TRAIN_STATE_FORMAT,
    weights_sha256: s.weightsSha256,
    train_state: s.trainState,
    first_moments: dropFirst ? 'omitted: beta1 is 0' : 'kept',
  };
  const isMoment = (name: string) => FIRST_MOMENT.test(name) || SECOND_MOMENT.test(name);
  return writeSafetensors(all, meta, (name) => (isNetWeight(name) ? 'F16' : isMoment(name) ? 'BF16' : 'F32'));
}

/** Reads a file written by writeTrainStateFile; omitted first moments come back as zeros. */
export function readTrainStateFile(bytes: Uint8Array, file: string): TrainStateFile {
  const { tensors, metadata } = readSafetensors(bytes, file);
  const fail = (msg: string): never => {
    throw new SpadeInputError(msg, file);
  };
  if (metadata.format !== TRAIN_STATE_FORMAT)
    fail(`is not a training state file (format '${metadata.format ?? 'none'}', expected '${TRAIN_STATE_FORMAT}')`);
  const sha = metadata.weights_sha256;
  if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha)) fail('names no weights file (weights_sha256 missing or malformed)');
  if (typeof metadata.train_state !== 'string') fail('has no train_state');
  const D: NamedTensors = new Map();
  const extra: NamedTensors = new Map();
  for (const [k, v] of tensors) {
    if (k.startsWith('D.')) D.set(k.slice(2), v);
    else extra.set(k, v);
  }
  if (!D.size) fail('holds no discriminator (D.*)');
  if (metadata.first_moments !== 'kept') {
    for (const [k, v] of [...extra]) {
      const m = SECOND_MOMENT.exec(k);
      if (m) extra.set(`optim.${m[1]}.exp_avg.${m[2]}`, zerosLike(v));
    }
  }
  return { weightsSha256: sha, D, extra, trainState: metadata.train_state };
}

function zerosLike(t: HostTensor): HostTensor {
  return { shape: [...t.shape], data: new Float32Array(t.data.length), sourceDtype: 'F32' };
}
