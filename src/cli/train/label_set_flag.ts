/** `--label_set <name>`: class names and colours for a model trained from scratch. */
import { SpadeInputError } from '../../model/errors';
import { LABEL_SETS_BY_NAME, labelSetByName, type LabelSet } from '../../model/io/label_sets';

export function findLabelSet(name: string): LabelSet {
  const set = labelSetByName(name);
  if (!set) throw new SpadeInputError(`--label_set must be one of ${Object.keys(LABEL_SETS_BY_NAME).join(', ')}, got '${name}'`);
  return set;
}
