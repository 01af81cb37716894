/** `--label_set <name>`: class names and colours for a model trained from scratch. */
import { SpadeInputError } from '../../model/errors';
import { BUILTIN_LABEL_SETS, type LabelSet } from '../../model/io/label_sets';

export function findLabelSet(name: string): LabelSet {
  const sets: Record<string, LabelSet> = { ...BUILTIN_LABEL_SETS };
  const set = sets[name];
  if (!set) throw new SpadeInputError(`--label_set must be one of ${Object.keys(sets).join(', ')}, got '${name}'`);
  return set;
}
