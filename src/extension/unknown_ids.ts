/**
 * Label ids the model has no channel for (a map made for another dataset, a stray value): the
 * editor says which ids and how many pixels, and offers to paint them as dontcare. Accepting is
 * an ordinary edit, so undo brings the ids back and nothing reaches the file until the user saves.
 */
import { mapIdsToModel, type LabelSet } from '../model/io/label_sets';
import { formatIdCounts, type IdCount } from '../model/io/id_counts';

export interface UnknownIds {
  /** The ids that fit no channel, with pixel counts, sorted by id. */
  invalid: IdCount[];
  /** Where they are (pixel indices), for the edit. */
  indices: Uint32Array;
  /** The file id that paints dontcare, when the model has a channel for it; else null. */
  dontcareId: number | null;
  /** One line for the user: the file, the ids, the pixels, and what can be done. */
  message: string;
}

/** null when every id of `ids` fits the model. */
export function findUnknownIds(
  ids: Int32Array,
  labelSet: LabelSet,
  model: { labelNc: number; containDontcare: boolean },
  fileName: string,
): UnknownIds | null {
  const mapped = mapIdsToModel(ids, labelSet, model.labelNc, model.containDontcare);
  if (!mapped.invalid.length) return null;
  // mapIdsToModel already counted the pixels of each unknown id.
  const n = mapped.invalid.reduce((sum, e) => sum + e.count, 0);
  const indices = new Uint32Array(n);
  for (let i = 0, k = 0; i < mapped.ids.length; i++) if (mapped.ids[i] < 0) indices[k++] = i;
  // The eraser's id: it must itself fit (a set may name a dontcare id the model has no channel for).
  const dc = labelSet.dontcareId;
  const dontcareId =
    dc !== null && mapIdsToModel([dc], labelSet, model.labelNc, model.containDontcare).invalid.length === 0 ? dc : null;
  const classes = model.labelNc + (model.containDontcare ? 1 : 0);
  const what = `${fileName}: label ids outside the model's ${classes} classes: ${formatIdCounts(mapped.invalid)}; ${n} pixel${n === 1 ? '' : 's'} in all.`;
  const next = dontcareId !== null
    ? ' Paint them as dontcare (an edit you can undo)?'
    : ' This model has no dontcare class: repaint them, or pick a checkpoint made for this label set.';
  return { invalid: mapped.invalid, indices, dontcareId, message: what + next };
}
