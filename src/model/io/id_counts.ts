/** Pixel counts per label id, and the one-line form error messages quote them in. */

export interface IdCount {
  id: number;
  count: number;
}

/** Pixel count per id, for the ids for which `keep(id)` is true, sorted by id. */
export function countIds(ids: ArrayLike<number>, keep: (id: number) => boolean): IdCount[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (keep(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([id, count]) => ({ id, count }));
}

/** `7 (120 px), 9 (3 px)`, at most `limit` entries then `and N more`. */
export function formatIdCounts(list: readonly IdCount[], limit = 10): string {
  const shown = list.slice(0, limit).map((e) => `${e.id} (${e.count} px)`).join(', ');
  return list.length > limit ? `${shown} and ${list.length - limit} more` : shown;
}
