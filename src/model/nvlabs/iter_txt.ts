/**
 * NVlabs' `iter.txt`: where a run stands, as its IterationCounter writes it with numpy's
 * savetxt (one integer a line): the epoch (from 1) and the samples already seen in that epoch.
 * `train.py --continue_train` resumes from there.
 */
import { SpadeInputError } from '../errors';

export interface NvlabsIteration {
  /** 1-based epoch. */
  epoch: number;
  /** Samples of this epoch already trained on (NVlabs counts samples, in whole batches). */
  epochIter: number;
}

export function formatIterTxt(it: NvlabsIteration): string {
  return `${it.epoch}\n${it.epochIter}\n`;
}

export function parseIterTxt(text: string, fileName: string): NvlabsIteration {
  // np.loadtxt(delimiter=','): the two numbers on two lines, or on one line split by a comma.
  const fields = text.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '');
  const ok = fields.length === 2 && fields.every((f) => /^\d+$/.test(f));
  const [epoch, epochIter] = fields.map(Number);
  if (!ok || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(epochIter) || epoch < 1) {
    throw new SpadeInputError('not an NVlabs iter.txt: expected two integers (epoch ≥ 1, then the iteration in that epoch)', fileName);
  }
  return { epoch, epochIter };
}

/** The iteration a checkpoint's metadata carries (run_folder_reader.ts), checked like iter.txt itself. */
export function iterationFromInfo(json: string, fileName: string): NvlabsIteration {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    v = null;
  }
  const it = v as Partial<NvlabsIteration> | null;
  if (!it || typeof it !== 'object' || !Number.isSafeInteger(it.epoch) || !Number.isSafeInteger(it.epochIter)) {
    throw new SpadeInputError('nvlabs_iteration in the metadata is not {epoch, epochIter}', fileName);
  }
  return parseIterTxt(`${it.epoch}\n${it.epochIter}\n`, fileName);
}

/**
 * Our run's place in its data as NVlabs' counter. Our loader's epochs count from 0 and its
 * index is the samples already drawn in the current epoch, which is what NVlabs' epoch_iter
 * counts; the step count itself does not carry over (NVlabs' count is in samples, not steps).
 */
export function iterationFromLoader(loader: { epoch: number; index: number } | undefined): NvlabsIteration {
  if (!loader) return { epoch: 1, epochIter: 0 };
  return { epoch: loader.epoch + 1, epochIter: loader.index };
}
