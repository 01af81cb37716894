/**
 * `--profile`'s additions to a bench row (the counts and the null-backend host time) and the
 * table that prints them, with the shaders that dispatch most.
 */
import type { BenchRow } from './rows';
import type { ProfileResult } from './profile_job';

export function profileFields(p: ProfileResult): Partial<BenchRow> {
  const c = p.counts;
  return {
    dispatches: c.dispatches, uploads: c.uploads, upload_bytes: c.upload_bytes, submits: c.submits, readbacks: c.readbacks,
    pipelines_compiled: c.pipelines_compiled, programs: c.programs,
    ...(p.on_null_backend ? { null_host_ms: p.null_host_ms } : {}),
    ...(p.kernel_ms ? { kernel_ms: p.kernel_ms } : {}),
  };
}

const TOP_PROGRAMS = 6;

export function profileTable(rows: BenchRow[]): string {
  const lines = [
    '| config | backend | dispatches | uploads | upload bytes | submits | readbacks | pipelines compiled | null-backend host ms | top shaders |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    if (r.dispatches === undefined) continue;
    const top = Object.entries(r.programs ?? {}).sort((a, b) => b[1] - a[1]).slice(0, TOP_PROGRAMS).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`| ${r.config} | ${r.backend} | ${r.dispatches} | ${r.uploads} | ${r.upload_bytes} | ${r.submits} | ${r.readbacks} | ${r.pipelines_compiled} | ${r.null_host_ms === undefined ? '–' : r.null_host_ms.toFixed(0)} | ${top} |`);
  }
  return lines.join('\n');
}
