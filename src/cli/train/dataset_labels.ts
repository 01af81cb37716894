/**
 * The label side of a dataset scan: decides label_nc and contain_dontcare_label (given, taken
 * from the label set, or inferred from the ids found) and then checks every label map's ids
 * against them with the same mapping the loader uses (label_sets.ts mapIdsToModel), so what
 * passes the scan is exactly what the loader can one-hot encode.
 */
import { formatIdCounts, type IdCount } from '../../model/io/id_counts';
import { genericLabelSet, mapIdsToModel, type LabelSet } from '../../model/io/label_sets';
import { SpadeInputError } from '../../model/errors';
import type { DatasetProblem, PairFiles } from './dataset_files';

/** What the scan learnt about one pair's label map. */
export interface LabelStats {
  files: PairFiles;
  /** File id -> pixel count; absent when the label map could not be read. */
  hist?: Map<number, number>;
  ok: boolean;
}

export interface LabelOptions {
  label_nc?: number;
  contain_dontcare_label?: boolean;
  labelSet?: LabelSet;
}

/** The report fields this step fills in. */
export interface LabelFacts {
  root: string;
  /** Every problem found; the dataset is fit for training when this is empty. */
  problems: DatasetProblem[];
  /** Things worth knowing that are not problems (an inferred label_nc, ignored files, ...). */
  notes: string[];
  /** 0 when it could not be inferred (a 'label_nc' problem says why). */
  label_nc: number;
  label_nc_inferred: boolean;
  contain_dontcare_label: boolean;
  contain_dontcare_inferred: boolean;
  /** Pixels holding the dontcare id (255, or the label set's), over all readable label maps. */
  dontcarePixels: number;
  totalPixels: number;
  /** File ids with pixel counts over all readable label maps. */
  idCounts: IdCount[];
  labelSet: LabelSet;
}

/** File ids that mean "dontcare" before label_nc is settled: 255 and the set's own (NVlabs: 255 -> label_nc). */
function dontcareTest(opts: LabelOptions): (v: number) => boolean {
  const set = opts.labelSet;
  if (set && (set.idOffset ?? 0) !== 0) return (v) => v === set.dontcareId;
  const nc = opts.label_nc;
  return (v) => {
    if (nc !== undefined && v < nc) return false; // a real class (label_nc > 255 makes 255 one)
    return v === 255 || v === set?.dontcareId || v === nc;
  };
}

export function resolveLabels(entries: LabelStats[], opts: LabelOptions, report: LabelFacts): void {
  if (opts.label_nc !== undefined && !(Number.isInteger(opts.label_nc) && opts.label_nc > 0)) {
    throw new SpadeInputError(`label_nc must be a positive integer, got ${JSON.stringify(opts.label_nc)}`, 'scan options');
  }
  const isDontcare = dontcareTest(opts);
  const total = new Map<number, number>();
  for (const e of entries) for (const [id, n] of e.hist ?? []) total.set(id, (total.get(id) ?? 0) + n);
  report.idCounts = [...total.entries()].sort((a, b) => a[0] - b[0]).map(([id, count]) => ({ id, count }));
  for (const { id, count } of report.idCounts) {
    report.totalPixels += count;
    if (isDontcare(id)) report.dontcarePixels += count;
  }

  const set = opts.labelSet;
  const offset = set?.idOffset ?? 0;
  if (opts.label_nc !== undefined) {
    report.label_nc = opts.label_nc;
  } else if (set) {
    report.label_nc = set.names.length;
    report.notes.push(`label_nc ${report.label_nc} from label set '${set.name}'`);
  } else {
    const classIds = report.idCounts.filter((c) => !isDontcare(c.id));
    if (classIds.length === 0) {
      if (entries.some((e) => e.hist)) {
        report.problems.push({ kind: 'label_nc', file: report.root, message: 'cannot infer label_nc: the label maps hold only dontcare pixels; pass label_nc' });
      }
    } else {
      const maxId = classIds[classIds.length - 1].id;
      report.label_nc = maxId - offset + 1;
      report.label_nc_inferred = true;
      const unused = report.label_nc - classIds.length;
      report.notes.push(
        `label_nc ${report.label_nc} inferred from the largest class id ${maxId}` + (unused > 0 ? ` (${unused} of those ids never occur)` : ''),
      );
    }
  }
  report.contain_dontcare_inferred = opts.contain_dontcare_label === undefined;
  report.contain_dontcare_label = opts.contain_dontcare_label ?? report.dontcarePixels > 0;
  if (report.contain_dontcare_inferred && report.contain_dontcare_label) {
    report.notes.push(`contain_dontcare_label inferred: ${report.dontcarePixels} dontcare pixels`);
  }
  if (report.label_nc === 0) return;
  report.labelSet = set ?? genericLabelSet(report.label_nc, report.contain_dontcare_label);
  checkIds(entries, report, offset);
}

function checkIds(entries: LabelStats[], report: LabelFacts, offset: number): void {
  const { label_nc: nc, contain_dontcare_label: dc, labelSet } = report;
  const range = offset ? `${offset}..${nc - 1 + offset}` : `0..${nc - 1}`;
  for (const e of entries) {
    if (!e.hist) continue;
    const ids = Int32Array.from(e.hist.keys());
    const { invalid } = mapIdsToModel(ids, labelSet, nc, dc);
    if (invalid.length === 0) continue;
    const list = invalid.map(({ id }) => ({ id, count: e.hist?.get(id) ?? 0 }));
    const hint = !dc && list.some((c) => c.id === 255) ? '; 255 is the dontcare id: set contain_dontcare_label to train with it' : '';
    report.problems.push({
      kind: 'label_ids',
      file: e.files.label,
      message: `label ids outside ${range}${dc ? ' (or dontcare)' : ''} (label_nc ${nc}): ${formatIdCounts(list)}${hint}`,
    });
    e.ok = false;
  }
}
